/**
 * One announcement, both ways a device can get it: the XML/SDP fragments of TS 26.346 (high-end
 * devices, SA Profile 1a) or the single TR 26.850 PER message (low-end devices).
 */
import { ADPD_MIME, generateAdpd } from './adpd.ts';
import { AnnounceError } from './errors.ts';
import { decodeIotAnnouncement, encodeIotAnnouncement } from './iot-codec.ts';
import { type AnnouncementContent, fromIotAnnouncement, toIotAnnouncement } from './iot-mapping.ts';
import { generateScheduleDescription, SCHEDULE_MIME } from './schedule-xml.ts';
import { generateSdp, type SdpOptions } from './sdp.ts';
import { generateUsd, USD_MIME } from './usd.ts';

export const SDP_MIME = 'application/sdp';

/** A metadata fragment as a service announcement carries it (TS 26.346 11.1: URI, MIME type, body). */
export interface AnnouncementFragment {
  uri: string;
  contentType: string;
  body: string;
}

/**
 * The USD, SDP, Schedule and (when the session has procedures) ADPD fragments, each under the URI the
 * USD gives it. Throws AnnounceError when the USD does not name a fragment that exists.
 */
export function announcementFragments(
  content: AnnouncementContent,
  usdUri: string,
  sdpOptions?: SdpOptions,
): AnnouncementFragment[] {
  const { usd, session, schedule } = content;
  const method = usd.deliveryMethods[0];
  const refuse = (problem: string) =>
    new AnnounceError({ code: 'missing', resource: 'announcement', operation: 'generate', problem });
  if (method === undefined) throw refuse('the USD has no delivery method');
  if (usd.scheduleDescriptionUri === undefined) throw refuse('the USD names no schedule description');
  const fragments: AnnouncementFragment[] = [
    { uri: usdUri, contentType: USD_MIME, body: generateUsd(usd) },
    { uri: method.sessionDescriptionUri, contentType: SDP_MIME, body: generateSdp(session, sdpOptions) },
    {
      uri: usd.scheduleDescriptionUri,
      contentType: SCHEDULE_MIME,
      body: generateScheduleDescription(schedule),
    },
  ];
  const procedures = session.procedures;
  if (procedures?.fileRepair !== undefined || procedures?.receptionReport !== undefined) {
    if (method.associatedProcedureDescriptionUri === undefined) {
      throw refuse('the session has procedures but the USD names no associated procedure description');
    }
    fragments.push({
      uri: method.associatedProcedureDescriptionUri,
      contentType: ADPD_MIME,
      body: generateAdpd(procedures),
    });
  }
  return fragments;
}

/** The TR 26.850 binary announcement, and what it had to leave out. Throws AnnounceError. */
export function encodeAnnouncement(content: AnnouncementContent): { bytes: Uint8Array; dropped: string[] } {
  const { announcement, dropped } = toIotAnnouncement(content);
  return { bytes: encodeIotAnnouncement(announcement), dropped };
}

/** Back from the binary announcement. Throws AnnounceError for bad octets or content the model cannot hold. */
export function decodeAnnouncement(bytes: Uint8Array): AnnouncementContent {
  return fromIotAnnouncement(decodeIotAnnouncement(bytes));
}
