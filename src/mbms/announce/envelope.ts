/**
 * One announcement as a single message a device can be sent (MQTT, CoAP, a file): either the TR 26.850
 * binary PER announcement, or the TS 26.346 XML/SDP fragments in a multipart/related body (TS 26.346
 * 5.2.3.2 carries metadata fragments as multipart MIME). Both decode to the same AnnouncementContent.
 */
import { parseMultipart } from '../repair/index.ts';
import { ADPD_MIME, parseAdpd } from './adpd.ts';
import {
  type AnnouncementFragment,
  announcementFragments,
  decodeAnnouncement,
  encodeAnnouncement,
  SDP_MIME,
} from './announcement.ts';
import { AnnounceError } from './errors.ts';
import type { AnnouncementContent } from './iot-mapping.ts';
import { parseScheduleDescription, SCHEDULE_MIME } from './schedule-xml.ts';
import { parseSdp, sessionFromSdp } from './sdp.ts';
import type { AssociatedProcedures } from './types.ts';
import { parseUsd, USD_MIME } from './usd.ts';

export type AnnouncementFormat = 'binary' | 'xml';

const BOUNDARY = 'mbms-iot-rig-announcement';
const XML_MAGIC = `--${BOUNDARY}\r\n`;

/** The announcement in the device's format, with what the binary form had to leave out. */
export function encodeAnnouncementMessage(
  content: AnnouncementContent,
  format: AnnouncementFormat,
): { bytes: Uint8Array; dropped: string[] } {
  if (format === 'binary') return encodeAnnouncement(content);
  const fragments = announcementFragments(content, 'usd.xml');
  const validity = `Valid-From: ${content.validFrom}\r\nValid-Until: ${content.validUntil}\r\n`;
  const parts = fragments.map(
    (f) =>
      `--${BOUNDARY}\r\nContent-Type: ${f.contentType}\r\nContent-Location: ${f.uri}\r\n${validity}\r\n${f.body}\r\n`,
  );
  return { bytes: new TextEncoder().encode(`${parts.join('')}--${BOUNDARY}--\r\n`), dropped: [] };
}

/** Back from either form (told apart by the multipart delimiter). Throws AnnounceError naming what is wrong. */
export function decodeAnnouncementMessage(bytes: Uint8Array): {
  content: AnnouncementContent;
  format: AnnouncementFormat;
} {
  const head = new TextDecoder().decode(bytes.subarray(0, XML_MAGIC.length));
  if (head !== XML_MAGIC) return { content: decodeAnnouncement(bytes), format: 'binary' };
  const parsed = parseMultipart(bytes, BOUNDARY);
  if (!parsed.ok) throw bad(parsed.error.message);
  const byType = new Map<string, AnnouncementFragment>();
  let validFrom = Number.NaN;
  let validUntil = Number.NaN;
  for (const p of parsed.value) {
    const type = p.headers['content-type'] ?? '';
    byType.set(type, {
      uri: p.headers['content-location'] ?? '',
      contentType: type,
      body: new TextDecoder().decode(p.body),
    });
    validFrom = Number(p.headers['valid-from']);
    validUntil = Number(p.headers['valid-until']);
  }
  const need = (type: string) => {
    const f = byType.get(type);
    if (!f) throw bad(`no ${type} fragment`);
    return f.body;
  };
  const usd = parseUsd(need(USD_MIME)).services[0];
  if (!usd) throw bad('the USD describes no service');
  const adpd = byType.get(ADPD_MIME);
  const procedures: AssociatedProcedures | undefined = adpd ? parseAdpd(adpd.body) : undefined;
  const session = sessionFromSdp(parseSdp(need(SDP_MIME)), {
    serviceId: usd.serviceId,
    ...(procedures ? { procedures } : {}),
  });
  const schedule = parseScheduleDescription(need(SCHEDULE_MIME)).services[0];
  if (!schedule) throw bad('the schedule describes no service');
  if (!Number.isFinite(validFrom) || !Number.isFinite(validUntil))
    throw bad('Valid-From/Valid-Until missing');
  return { content: { usd, session, schedule, validFrom, validUntil }, format: 'xml' };
}

function bad(problem: string): AnnounceError {
  return new AnnounceError({
    code: 'bad-structure',
    resource: 'announcement message',
    operation: 'parse',
    problem,
  });
}
