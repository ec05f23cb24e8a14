/** Errors of the Modem layer; each names the port and what was seen. */
export class ModemError extends Error {
  override name = 'ModemError';
  constructor(
    readonly port: string,
    message: string,
  ) {
    super(`port ${port}: ${message}`);
  }
}

/** The module on the port is not of the dialect or model the bench says. */
export class DialectMismatchError extends ModemError {
  override name = 'DialectMismatchError';
}

/** Registration was denied or did not happen in time. */
export class RegistrationError extends ModemError {
  override name = 'RegistrationError';
}

/** The dialect has no such capability (a module without a file system, say). */
export class UnsupportedError extends ModemError {
  override name = 'UnsupportedError';
}

/** A firmware update the module reported as failed. */
export class FotaError extends ModemError {
  override name = 'FotaError';
}

/** An MQTT operation through the module's own stack failed. */
export class MqttError extends ModemError {
  override name = 'MqttError';
}
