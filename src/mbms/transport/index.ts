export { gilbertElliottMeanLoss, type LossModel, type LossSpec, lossModel } from './loss.ts';
export {
  MemorySink,
  type MulticastAddress,
  type PacketSink,
  parseGroup,
  TransportError,
  UdpMulticastSink,
  UdpMulticastSource,
} from './udp.ts';
