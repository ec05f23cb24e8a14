/** What a protocol handler may do with the board it runs on. */
export interface BoardPort {
  readonly channelCount: number;
  readonly firstChannel: number;
  energised(channel: number): boolean;
  set(channel: number, on: boolean): void;
  send(text: string): void;
  received(raw: Buffer | string, accepted: boolean, why?: string): void;
}
