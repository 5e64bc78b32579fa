/**
 * The device's states, one at a time. An LED (issue 3) shows them; logs name them.
 *
 * ```
 *            link up                 press                release / max length
 *  offline ─────────► idle ◄────┐  ───────► listening ───────────────────► thinking
 *     ▲                 ▲  ▲    │                ▲                            │ audio.start
 *     │ link down       │  │    │ hold elapses   │ press (barge-in)           ▼
 *     └── (any but      │  │    └─── error ◄─────┼───── turn failed ──── speaking
 *          speaking)    │  └─────────────────────┼────────────────────────────┘ playback done
 *                       └── turn.done, no audio  │
 * ```
 * A press while offline changes nothing but gives feedback and hurries the reconnect. While speaking, a dropped
 * link lets the reply already received finish, then the state becomes offline.
 */
export const DEVICE_STATES = ['offline', 'idle', 'listening', 'thinking', 'speaking', 'error'] as const;

export type DeviceState = (typeof DEVICE_STATES)[number];

/**
 * Short cues for the person at the device: earcons and LED blinks hang off these. `done`: capture ended (release,
 * tap, max length), the question is on its way; `cancelled`: a long press dropped the turn.
 */
export type Feedback = 'listening' | 'done' | 'cancelled' | 'offline' | 'error' | 'no_speech' | 'volume';

/** How the button drives turns: held for the whole turn, or tapped to start and tapped again to stop. */
export type ButtonMode = 'hold' | 'tap';
