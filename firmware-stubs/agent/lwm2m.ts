// The LwM2M Object 5 tables are pure data shared with the controller (as the 24.008 tables are).
export { UpdateResult, UpdateState } from '../../src/update/lwm2m.ts';
