import type { SeededRandom } from '../random.ts';

/** Luhn check digit over a digit string (the IMEI's 15th digit, 3GPP TS 23.003 Annex B). */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Double every second digit counted from the right of the payload (the check digit is appended).
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** IMEI = TAC (8) + serial (6, seeded) + Luhn check digit. */
export function makeImei(tac: string, random: SeededRandom, serial?: number): string {
  // The serial is drawn unless the bench numbers its modules (a fleet needs IMEIs that never collide).
  const drawn = random.digits(6);
  const body = tac + (serial === undefined ? drawn : String(serial % 1_000_000).padStart(6, '0'));
  return body + String(luhnCheckDigit(body));
}

/** Identities a module carries: stable for a seed, kept across reboots and power cuts. */
export interface ModuleIdentity {
  imei: string;
  imsi: string;
  iccid: string;
}

export function makeIdentity(
  tac: string,
  plmn: string,
  random: SeededRandom,
  serial?: number,
): ModuleIdentity {
  const imei = makeImei(tac, random.fork('imei'), serial);
  const sim = random.fork('sim');
  const imsi = (plmn + sim.digits(15)).slice(0, 15);
  const iccidBody = '8901' + sim.digits(14);
  return { imei, imsi, iccid: iccidBody + String(luhnCheckDigit(iccidBody)) };
}
