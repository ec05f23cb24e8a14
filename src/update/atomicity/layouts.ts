import { type DialectId, loadModuleProfile } from '../../hardware/index.ts';

/** The flash an update lands on, as the emulated agent models it (sectors, write unit, erased value). */
export interface FlashGeometrySpec {
  sectorSize: number;
  writeAlign: number;
  erasedValue: 0xff | 0x00;
}

/**
 * Flash geometry per dialect. Module profiles carry no flash layout yet, so these are stated here:
 * nRF9160 application flash has 4 KiB pages and 32-bit word writes (nRF9160 Product Specification, NVMC);
 * the others (Qualcomm, MediaTek and u-blox modules keep their FOTA partitions behind vendor firmware) are
 * modelled as NOR with 4 KiB sectors and 8-byte program units: an assumption, not a datasheet figure.
 */
const BY_DIALECT: Record<DialectId, FlashGeometrySpec & { source: string }> = {
  generic: { sectorSize: 4096, writeAlign: 8, erasedValue: 0xff, source: 'assumed NOR, 4 KiB sectors' },
  quectel: { sectorSize: 4096, writeAlign: 8, erasedValue: 0xff, source: 'assumed NOR, 4 KiB sectors' },
  ublox: { sectorSize: 4096, writeAlign: 8, erasedValue: 0xff, source: 'assumed NOR, 4 KiB sectors' },
  simcom: { sectorSize: 4096, writeAlign: 8, erasedValue: 0xff, source: 'assumed NOR, 4 KiB sectors' },
  nordic: {
    sectorSize: 4096,
    writeAlign: 4,
    erasedValue: 0xff,
    source: 'nRF9160 PS: 4 KiB pages, word writes',
  },
};

export interface ModuleFlash extends FlashGeometrySpec {
  module: string;
  /** The device class the emulated module's agent accepts (images must name it). */
  deviceClass: string;
  source: string;
}

/** The flash layout and device class of a module profile (hardware/modules/<id>.yaml must exist). */
export function moduleFlash(moduleId: string): ModuleFlash {
  const profile = loadModuleProfile(moduleId);
  const spec = BY_DIALECT[profile.dialect];
  return { module: profile.id, deviceClass: profile.id, ...spec };
}

/** Image sectors per slot for images of up to `bytes`: the slot holds the larger image, nothing more. */
export function slotSectorsFor(bytes: number, geometry: FlashGeometrySpec): number {
  return Math.max(1, Math.ceil(bytes / geometry.sectorSize));
}
