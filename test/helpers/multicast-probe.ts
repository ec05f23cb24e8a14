// Run inside a test network namespace: join a group, send N datagrams to it, count what comes back.
import { parseGroup, UdpMulticastSink, UdpMulticastSource } from '../../src/mbms/transport/index.ts';

const [groupText = '', countText = '10'] = process.argv.slice(2);
const { group, port } = parseGroup(groupText);
const n = Number(countText);
const source = await UdpMulticastSource.open({ group, port, interface: '127.0.0.1' });
let got = 0;
source.on('packet', () => got++);
const sink = await UdpMulticastSink.open({ group, port, interface: '127.0.0.1' });
for (let i = 0; i < n; i++) await sink.send(Buffer.from(`packet ${i}`));
await new Promise((r) => setTimeout(r, 200));
process.stdout.write(`received ${got} of ${n}\n`);
await sink.close();
await source.close();
