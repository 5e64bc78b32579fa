/** The loopback realtime stand-in lives beside the server code so that benchmarks can use its compiled form. */
export { RealtimeStandin, type StandinOptions, type StandinReply } from '../../server/src/realtime/testing/standin.js';
