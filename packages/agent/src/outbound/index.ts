export { sendOutbound, type AddressCheck, type FrameSink, type OutboundOptions } from './send.ts'
export { answerWithFrames } from './respond.ts'
