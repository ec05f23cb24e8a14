/**
 * The TR 26.850 V16.0.0 clause 7.8.2 binary service announcement, second variant ("all metadata
 * fragments embedded, including the Session Description fragment"), as a TypeScript model that mirrors
 * the ASN.1 one to one. Encoded with UNALIGNED PER (iot-codec.ts). The module, as implemented:
 *
 *   MBMSIoT-ServiceAnnouncement ::= SEQUENCE {
 *     validFrom UTCTime, vaidUntil UTCTime,                      -- "vaidUntil" sic
 *     usbd USBD-Fragment-IEs,
 *     sessionDescription SessionDescription-Fragment-IEs,
 *     scheduleDescription ScheduleDescription-Fragment-IEs,
 *     adpd ADPD-Fragment-IEs OPTIONAL,
 *     nonCriticalExtension ServiceAnnouncement-Extension-IEs OPTIONAL }
 *   USBD-Fragment-IEs ::= SEQUENCE { serviceID OCTET STRING (SIZE(1..255)),
 *     r7ServiceClass OCTET STRING (SIZE(1..255)) OPTIONAL, deliveryMethod DeliveryMethod-IEs,
 *     requiredCapabilities INTEGER (0..255), availabilityInfo AvailabilityInfo-IEs OPTIONAL, nCE OPTIONAL }
 *   DeliveryMethod-IEs ::= SEQUENCE { sessionDescriptionURI OCTET STRING (SIZE(1..255)),
 *     associatedProcedureDescriptionURI OCTET STRING (SIZE(1..255)),
 *     accessPointName OCTET STRING (SIZE(1..50)) OPTIONAL, nCE OPTIONAL }
 *   AvailabilityInfo-IEs ::= SEQUENCE { serviceArea INTEGER (0..65535) OPTIONAL,
 *     radioFrequency INTEGER (0..4294967295) OPTIONAL, nCE OPTIONAL }
 *   SessionDescription-Fragment-IEs ::= SEQUENCE { senderIPAddress IP-Address-IE, tmgi TMGI-IE,
 *     ipDestinationAddress IP-Address-IE, destinationPortNumber INTEGER (0..65535),
 *     tsi BIT STRING (SIZE(16)), startTime UTCTime OPTIONAL, endTime UTCTime OPTIONAL,
 *     fecRedundancyLevel INTEGER (0..100) OPTIONAL, nCE OPTIONAL }
 *   IP-Address-IE ::= CHOICE { ipv4 BIT STRING (SIZE(32)), ipv6 BIT STRING (SIZE(128)) }
 *   TMGI-IE ::= SEQUENCE { plmn-Id PLMN-Identity, serviceId OCTET STRING (SIZE(3)) }
 *   PLMN-Identity ::= SEQUENCE { mcc MCC OPTIONAL, mnc MNC }
 *   MCC ::= SEQUENCE (SIZE(3)) OF MCC-MNC-Digit
 *   MNC ::= SEQUENCE (SIZE(2..3)) OF MCC-MNC-Digit   -- the TR writes SIZE(3); see below
 *   MCC-MNC-Digit ::= INTEGER (0..9)
 *   ScheduleDescription-Fragment-IEs ::= SEQUENCE { serviceSchedule SEQUENCE (SIZE(1..8)) OF ServiceSchedule-IEs }
 *   ServiceSchedule-IEs ::= SEQUENCE {
 *     sessionSchedule SEQUENCE (SIZE(0..255)) OF SessionScheduleDescription-IEs OPTIONAL,
 *     fileSchedule SEQUENCE (SIZE(0..255)) OF FileScheduleDescription-IEs,
 *     sessionScheduleOverride SessionScheduleOverride-IEs OPTIONAL, nCE OPTIONAL }
 *   SessionScheduleDescription-IEs ::= SEQUENCE { start UTCTime, stop UTCTime,
 *     index INTEGER (0..4294967295), nCE OPTIONAL }
 *   FileScheduleDescription-IEs ::= SEQUENCE { fileURI FileURI-IEs OPTIONAL,
 *     deliveryInfo DeliveryInfo-IEs OPTIONAL, expires INTEGER (0..4294967295) OPTIONAL,
 *     baseURL1 OCTET STRING (SIZE(1..255)) OPTIONAL, baseURL2 OCTET STRING (SIZE(1..255)) OPTIONAL, nCE OPTIONAL }
 *   FileURI-IEs ::= SEQUENCE { fileURI OCTET STRING (SIZE(1..255)), toi BIT STRING (SIZE(16)),
 *     contentLength INTEGER (0..4294967295) OPTIONAL, contentMD5 OCTET STRING (SIZE(1..255)) OPTIONAL,
 *     mbms2012AlternateContentLocation1 OCTET STRING (SIZE(1..255)) OPTIONAL,
 *     mbms2012FileEtag OCTET STRING (SIZE(1..255)) OPTIONAL, cancelled BOOLEAN, nCE OPTIONAL }
 *   SessionScheduleOverride-IEs ::= SEQUENCE { index INTEGER (0..4294967295), cancelled BOOLEAN, nCE OPTIONAL }
 *   DeliveryInfo-IEs ::= SEQUENCE { start UTCTime OPTIONAL, stop UTCTime OPTIONAL, nCE OPTIONAL }
 *   ADPD-Fragment-IEs ::= SEQUENCE { postFileRepair PostFileRepair-IEs OPTIONAL,
 *     postReceptionReport PostReceptionReport-IEs OPTIONAL }
 *   PostFileRepair-IEs ::= SEQUENCE { offsetTime INTEGER (0..4294967295) OPTIONAL,
 *     randomPeriodTime INTEGER (0..4294967295) OPTIONAL, serviceURI OCTET STRING (SIZE(1..255)) OPTIONAL, nCE OPTIONAL }
 *   PostReceptionReport-IEs ::= SEQUENCE { offsetTime INTEGER (0..4294967295) OPTIONAL,
 *     randomPeriodTime INTEGER (0..4294967295) OPTIONAL, samplePercentage INTEGER (0..100) OPTIONAL,
 *     forceTimeIndependence BOOLEAN OPTIONAL, reportType INTEGER (0..3) OPTIONAL,
 *     serviceURI OCTET STRING (SIZE(1..255)) OPTIONAL, nCE OPTIONAL }
 *   -- every "nCE" is nonCriticalExtension <X>-Extension-IEs OPTIONAL, and each <X>-Extension-IEs is
 *   -- SEQUENCE { lateNonCriticalExtension OCTET STRING OPTIONAL, nonCriticalExtension SEQUENCE {} OPTIONAL }
 *
 * Choices where the TR only sketches:
 * - UNALIGNED PER (the TR says "ASN.1 PER"; its style is TS 36.331's, which is UPER).
 * - MNC is SIZE(2..3) as in TS 36.331 PLMN-Identity, from which the TR copied the type: with the TR's
 *   SIZE(3) a two-digit MNC (001/01, most of Europe) could not be told from its three-digit namesake.
 * - UTCTime in the canonical form `YYMMDDhhmmssZ` (X.691 applies the DER restrictions), years 1950..2049.
 * - OCTET STRINGs that hold URIs, IDs, APNs and ETags carry UTF-8 text; contentMD5 carries the 16 raw
 *   digest octets (TR 7.9 NOTE 7: OCTET STRING replaces base64Binary).
 * - Extension containers are read and dropped ("up to the implementation", NOTE 7/15); never written.
 * - A decoder refuses trailing octets and non-zero padding bits.
 */
import type { EpochMs } from '../../clock/index.ts';

export interface IotServiceAnnouncement {
  validFrom: EpochMs;
  /** `vaidUntil` in the TR's ASN.1. */
  validUntil: EpochMs;
  usbd: IotUsbd;
  sessionDescription: IotSessionDescription;
  scheduleDescription: IotScheduleDescription;
  adpd?: IotAdpd;
}

export interface IotUsbd {
  serviceId: string;
  serviceClass?: string;
  deliveryMethod: {
    sessionDescriptionUri: string;
    associatedProcedureDescriptionUri: string;
    accessPointName?: string;
  };
  /** One feature value, 0..255 (22: Profile 1a). */
  requiredCapabilities: number;
  availabilityInfo?: { serviceArea?: number; radioFrequency?: number };
}

export interface IotSessionDescription {
  /** IPv4 or IPv6 literal. */
  senderIpAddress: string;
  /** 12 hex digits, as in DownloadSession. */
  tmgi: string;
  destinationAddress: string;
  destinationPort: number;
  /** 16 bits. */
  tsi: number;
  startTime?: EpochMs;
  endTime?: EpochMs;
  /** Percent; its presence means Raptor (FEC Encoding ID 1) with fixed OTI (TR NOTE 13). */
  fecRedundancyLevel?: number;
}

export interface IotScheduleDescription {
  /** 1..8 service schedules. */
  serviceSchedules: IotServiceSchedule[];
}

export interface IotServiceSchedule {
  /** Absent and empty are distinct on the wire (the field is OPTIONAL and SIZE(0..255)). */
  sessionSchedules?: IotSessionSchedule[];
  fileSchedules: IotFileSchedule[];
  sessionScheduleOverride?: { index: number; cancelled: boolean };
}

export interface IotSessionSchedule {
  start: EpochMs;
  stop: EpochMs;
  index: number;
}

export interface IotFileSchedule {
  fileUri?: IotFileUri;
  deliveryInfo?: { start?: EpochMs; stop?: EpochMs };
  /** FDT Expires, NTP seconds. */
  expires?: number;
  baseUrl1?: string;
  baseUrl2?: string;
}

export interface IotFileUri {
  uri: string;
  toi: number;
  contentLength?: number;
  /** Raw MD5 digest octets. */
  contentMd5?: Uint8Array;
  alternateContentLocation1?: string;
  fileEtag?: string;
  cancelled: boolean;
}

export interface IotAdpd {
  postFileRepair?: { offsetTime?: number; randomPeriodTime?: number; serviceUri?: string };
  postReceptionReport?: {
    offsetTime?: number;
    randomPeriodTime?: number;
    samplePercentage?: number;
    forceTimeIndependence?: boolean;
    /** 0 RAck (RAck-IoT), 1 StaR, 2 StaR-all, 3 StaR-only: the ADPD schema's enumeration order. */
    reportType?: number;
    serviceUri?: string;
  };
}
