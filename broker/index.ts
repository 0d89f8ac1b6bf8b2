export { EmbeddedBroker, PACKET_HEADROOM_BYTES, type EmbeddedBrokerOptions } from './embedded-broker.js';
