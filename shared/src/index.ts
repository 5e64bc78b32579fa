export * from './audio/format.js';
export * from './audio/wav.js';
export * from './audio/level.js';
export * from './audio/resample.js';
export * from './protocol/errors.js';
export * from './protocol/messages.js';
export * from './protocol/codec.js';
export * from './text/sentences.js';
