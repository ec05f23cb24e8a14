/**
 * An emulated USB relay board for tests and the emulated bench: LCUS-type CH340 boards (4-byte frames
 * A0 <ch> <0|1> <sum>) and Numato modules (`relay on 0` command line), with coil state and an event
 * per change, served in-process (attach) or on a pseudo-terminal (serveRelayPty). Written on its own:
 * it imports nothing from src/switch.
 */
export {
  EmulatedRelayBoard,
  type EmulatedRelayBoardOptions,
  type RelayBoardFaults,
  type RelayChange,
  type RelayProtocol,
} from './board.ts';
export { type RelayPtyOptions, type RelayPtyServer, serveRelayPty } from './pty-server.ts';
