/**
 * The device side of reception reporting (TS 26.346 §9.4.3–9.4.6, TR 26.850 §7.7): decide once whether
 * this device is in the sample, wait offsetTime + U(0, randomTimePeriod) on the clock, pick a server
 * uniformly, POST the report (XML over HTTP, or RAck-IoT over CoAP), and move on to another server if
 * one does not answer.
 */
import { Agent } from 'node:http';
import type { Clock, EpochMs, Milliseconds } from '../../clock/index.ts';
import {
  type BackoffParams,
  backoffDelayMs,
  CONTENT_FORMAT_OCTET_STREAM,
  CoapClient,
  CoapClientError,
  HttpExchangeError,
  httpExchange,
  ServerPool,
} from '../repair/index.ts';
import { encodeRackIot } from './rack-iot.ts';
import { RECEPTION_REPORT_MIME, type ReportType, reportTypeOf } from './reception-report.ts';
import {
  buildRackIot,
  buildReceptionReport,
  type FileOutcome,
  type ReportContext,
  sampledIn,
} from './report-builder.ts';
import { renderReceptionReport } from './report-xml.ts';

/** postReceptionReport of the Associated Delivery Procedure Description. */
export interface ReportProcedure extends BackoffParams {
  /** http:// for XML reports, coap:// for RAck-IoT. */
  serviceURIs: readonly string[];
  samplePercentage?: number;
  /** As signalled; unknown values fall back to RAck. */
  reportType?: string;
}

export interface ReceptionReporterOptions {
  clock: Clock;
  /** Seeded: the sample draw, the back-off and the server choice come from it, in that order. */
  random: () => number;
  procedure: ReportProcedure;
  requestTimeoutMs?: Milliseconds;
}

export type ReportOutcome =
  | { kind: 'not-sampled'; draw: number }
  | { kind: 'nothing-to-report' }
  | { kind: 'sent'; server: string; status: string; backoffMs: Milliseconds; at: EpochMs; bytes: number };

export class ReportClientError extends Error {
  override name = 'ReportClientError';
  constructor(
    readonly kind: 'refused' | 'exhausted' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

export class ReceptionReporter {
  readonly reportType: ReportType;
  /** The U(0, 1) sample draw, kept for the session (§9.4.4: the decision persists). */
  readonly draw: number;
  readonly #o: ReceptionReporterOptions;

  constructor(o: ReceptionReporterOptions) {
    this.#o = o;
    this.reportType = reportTypeOf(o.procedure.reportType);
    this.draw = o.random();
  }

  get sampled(): boolean {
    return sampledIn(this.reportType, this.#o.procedure.samplePercentage, this.draw);
  }

  /** Builds, waits out the back-off, and sends the report for these outcomes. */
  async send(
    outcomes: readonly FileOutcome[],
    ctx: ReportContext,
    signal?: AbortSignal,
  ): Promise<ReportOutcome> {
    if (!this.sampled) return { kind: 'not-sampled', draw: this.draw };
    const payload = this.#payload(outcomes, ctx);
    if (!payload) return { kind: 'nothing-to-report' };
    const { clock } = this.#o;
    const backoffMs = backoffDelayMs(this.#o.procedure, this.#o.random);
    await clock.sleep(backoffMs, signal);
    const pool = new ServerPool([this.#o.procedure.serviceURIs], this.#o.random);
    for (;;) {
      const server = pool.pick(clock.now());
      if (server === undefined)
        throw new ReportClientError('exhausted', `no reception report server answered: ${pool.describe()}`);
      const reply = await this.#post(server, payload, signal);
      if (reply.kind === 'dead') {
        pool.markDead(server, reply.reason);
        continue;
      }
      if (!reply.ok)
        throw new ReportClientError('refused', `report to ${server}: ${reply.status} ${reply.text.trim()}`);
      return {
        kind: 'sent',
        server,
        status: reply.status,
        backoffMs,
        at: clock.now(),
        bytes: payload.body.length,
      };
    }
  }

  #payload(
    outcomes: readonly FileOutcome[],
    ctx: ReportContext,
  ): { coap: boolean; body: Uint8Array } | undefined {
    if (this.reportType === 'RAck-IoT') {
      const report = buildRackIot(outcomes, ctx);
      return report ? { coap: true, body: encodeRackIot(report) } : undefined;
    }
    const report = buildReceptionReport(this.reportType, outcomes, ctx);
    return report
      ? { coap: false, body: new TextEncoder().encode(renderReceptionReport(report)) }
      : undefined;
  }

  async #post(
    server: string,
    payload: { coap: boolean; body: Uint8Array },
    signal: AbortSignal | undefined,
  ): Promise<
    { kind: 'reply'; ok: boolean; status: string; text: string } | { kind: 'dead'; reason: string }
  > {
    const url = new URL(server);
    const isCoap = url.protocol === 'coap:';
    if (isCoap !== payload.coap) {
      throw new ReportClientError(
        'unsupported',
        `${this.reportType} reports go over ${payload.coap ? 'CoAP' : 'HTTP'}; ${server} is not`,
      );
    }
    if (isCoap) {
      const client = await CoapClient.connect({
        clock: this.#o.clock,
        random: this.#o.random,
        host: url.hostname,
        port: Number(url.port || 5683),
      });
      try {
        const res = await client.request({
          method: 'POST',
          path: url.pathname.split('/').filter((p) => p !== ''),
          contentFormat: CONTENT_FORMAT_OCTET_STREAM,
          payload: payload.body,
          signal,
        });
        if (res.codeText.startsWith('5.')) return { kind: 'dead', reason: res.codeText };
        return {
          kind: 'reply',
          ok: res.codeText.startsWith('2.'),
          status: res.codeText,
          text: new TextDecoder().decode(res.payload),
        };
      } catch (error) {
        if (error instanceof CoapClientError && error.kind !== 'aborted')
          return { kind: 'dead', reason: error.message };
        throw error;
      } finally {
        await client.close();
      }
    }
    const agent = new Agent({ keepAlive: false });
    try {
      const res = await httpExchange(agent, this.#o.clock, {
        method: 'POST',
        url: server,
        headers: { 'Content-Type': RECEPTION_REPORT_MIME },
        body: payload.body,
        timeoutMs: this.#o.requestTimeoutMs,
        signal,
      });
      // No answer, or 500–505: the server is out (§9.3.8 by way of §9.4.5).
      if (res.status >= 500 && res.status <= 505) return { kind: 'dead', reason: String(res.status) };
      return {
        kind: 'reply',
        ok: res.status === 200,
        status: String(res.status),
        text: new TextDecoder().decode(res.body),
      };
    } catch (error) {
      if (error instanceof HttpExchangeError && !signal?.aborted)
        return { kind: 'dead', reason: error.message };
      throw error;
    } finally {
      agent.destroy();
    }
  }
}
