export {
  ANNOUNCEMENT_FILE,
  type ClientFileRecord,
  MbmsClient,
  type MbmsClientOptions,
} from './mbms-client.ts';
