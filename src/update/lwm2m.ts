/**
 * LwM2M Firmware Update Object (5) values: pure data, shared by the controller's image tools and the
 * emulated devices' update agent (each side writes its own checks over this table).
 */

/** LwM2M Object 5 State (/5/0/3). */
export const UpdateState = { Idle: 0, Downloading: 1, Downloaded: 2, Updating: 3 } as const;
export type UpdateState = (typeof UpdateState)[keyof typeof UpdateState];

/** LwM2M Object 5 Update Result values (OMA 5.xml, v1.1). */
export const UpdateResult = {
  Initial: 0,
  Success: 1,
  NotEnoughFlash: 2,
  OutOfRam: 3,
  ConnectionLost: 4,
  IntegrityCheckFailure: 5,
  UnsupportedPackageType: 6,
  InvalidUri: 7,
  UpdateFailed: 8,
  UnsupportedProtocol: 9,
  Cancelled: 10,
  Deferred: 11,
} as const;
export type UpdateResult = (typeof UpdateResult)[keyof typeof UpdateResult];
