/** MQTT resources of the rig: the embedded broker started when a bench names none. */
export { BrokerError, type EmbeddedBroker, startEmbeddedBroker } from './broker.ts';
