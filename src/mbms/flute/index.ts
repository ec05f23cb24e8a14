export {
  type FileProgress,
  FluteReceiver,
  type ReceivedFile,
  type ReceiverEvents,
  type ReceiverOptions,
} from './receiver.ts';
export { FluteSender, SenderError, type SenderFile, type SenderOptions, type SenderStats } from './sender.ts';
