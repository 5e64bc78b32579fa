import { api, type Settings } from '../api.js';
import { h } from '../dom.js';
import type { ChatSocket } from '../socket.js';

/**
 * Settings: LLM model, system prompt, voice (gender, accent/locale), language; voice mode (pipeline or realtime,
 * with the realtime model, voice and instructions, and why realtime cannot run when it cannot); the providers in
 * use; password.
 */
export async function settingsView(socket: ChatSocket): Promise<HTMLElement> {
  const answer = await socket.request('get_settings');
  const s = answer.payload.settings as Settings;
  const field = (id: string, label: string, control: HTMLElement, hint?: string) =>
    h('div', { class: 'field' }, h('label', { text: label, attrs: { for: id } }), control, hint ? h('small', { text: hint }) : null);
  const model = h('input', { attrs: { id: 'set-model', value: s.selected_model, maxlength: '100', placeholder: 'configured default' } });
  const prompt = h('textarea', { attrs: { id: 'set-prompt', rows: '4', maxlength: '4000', placeholder: 'built-in prompt' } });
  prompt.value = s.system_prompt;
  const gender = h('select', { attrs: { id: 'set-gender' } }, ...['', 'female', 'male'].map((g) => h('option', { text: g || 'default', attrs: { value: g, selected: s.voice_settings.gender === g } })));
  const accent = h('input', { attrs: { id: 'set-accent', value: s.voice_settings.accent, maxlength: '40', placeholder: 'e.g. en-GB, pl-PL, british' } });
  const language = h('input', { attrs: { id: 'set-language', value: s.language, maxlength: '35', placeholder: 'e.g. en-US' } });
  const mode = h(
    'select',
    { attrs: { id: 'set-voice-mode' } },
    ...([
      ['', 'server default'],
      ['pipeline', 'Pipeline (speech recognition → LLM → voice)'],
      ['realtime', 'Realtime (speech-to-speech model)'],
    ] as const).map(([value, label]) => h('option', { text: label, attrs: { value, selected: (s.voice_mode ?? '') === value } })),
  );
  const rtModel = h('input', { attrs: { id: 'set-rt-model', value: s.realtime_model ?? '', maxlength: '100', placeholder: s.realtime?.model || 'configured default' } });
  const rtVoice = h('input', { attrs: { id: 'set-rt-voice', value: s.realtime_voice ?? '', maxlength: '40', placeholder: s.realtime?.voice || 'e.g. marin, alloy' } });
  const rtInstructions = h('textarea', { attrs: { id: 'set-rt-instructions', rows: '3', maxlength: '4000', placeholder: 'system prompt, else the built-in instructions' } });
  rtInstructions.value = s.realtime_instructions ?? '';
  const availability = h('p', {
    class: `realtime-status ${s.realtime?.available ? 'ok' : 'unavailable'}`,
    attrs: { id: 'realtime-status' },
    text: !s.realtime
      ? 'Realtime mode is not set up on this server: voice turns use the pipeline.'
      : s.realtime.available
        ? `Realtime mode is available (model ${s.realtime.model}, voice ${s.realtime.voice}).`
        : `Realtime mode is unavailable: ${s.realtime.reason ?? 'unknown reason'}. Voice turns use the pipeline.`,
  });
  const status = h('p', { attrs: { role: 'status' } });
  const form = h(
    'form',
    {
      class: 'settings',
      on: {
        submit: (e) => {
          e.preventDefault();
          status.textContent = 'Saving…';
          socket
            .request('update_settings', {
              selected_model: model.value.trim(),
              system_prompt: prompt.value,
              voice_settings: { gender: gender.value, accent: accent.value.trim() },
              language: language.value.trim(),
              voice_mode: mode.value,
              realtime_model: rtModel.value.trim(),
              realtime_voice: rtVoice.value.trim(),
              realtime_instructions: rtInstructions.value,
            })
            .then(
              () => (status.textContent = 'Saved.'),
              (err: Error) => (status.textContent = `Not saved: ${err.message}`),
            );
        },
      },
    },
    h('h2', { text: 'Settings' }),
    field('set-model', 'LLM model', model, 'Model or deployment name for the LLM brain.'),
    field('set-prompt', 'System prompt', prompt),
    field('set-gender', 'Voice', gender),
    field('set-accent', 'Accent / locale of the voice', accent),
    field('set-language', 'Language', language, 'BCP 47 tag for recognition and replies.'),
    h(
      'fieldset',
      { class: 'voice-mode' },
      h('legend', { text: 'Voice mode' }),
      availability,
      field('set-voice-mode', 'Answer voice turns and web chat with', mode, 'Per-device choices override this.'),
      field('set-rt-model', 'Realtime model', rtModel, 'OpenAI model or Azure deployment.'),
      field('set-rt-voice', 'Realtime voice', rtVoice),
      field('set-rt-instructions', 'Realtime instructions', rtInstructions),
    ),
    h('button', { text: 'Save', class: 'primary', attrs: { type: 'submit' } }),
    status,
  );
  const info = h('section', { class: 'model-info' }, h('h2', { text: 'Providers' }));
  api<Record<string, { provider: string; model?: string; reachable?: boolean; fallback?: string }>>('GET', '/model-info').then(
    (m) => {
      const list = h('dl');
      for (const stage of ['stt', 'brain', 'tts'] as const) {
        const d = m[stage];
        if (!d) continue;
        list.append(
          h('dt', { text: { stt: 'Speech recognition', brain: 'Brain', tts: 'Voice' }[stage] }),
          h('dd', { text: `${d.provider}${d.model ? ` (${d.model})` : ''}${d.reachable === false ? ' · unreachable' : ''}${d.fallback ? ` · falls back to ${d.fallback}` : ''}` }),
        );
      }
      info.appendChild(list);
    },
    () => info.appendChild(h('p', { text: 'Provider information unavailable.' })),
  );
  const current = h('input', { attrs: { id: 'pw-current', type: 'password', autocomplete: 'current-password', required: true } });
  const next = h('input', { attrs: { id: 'pw-new', type: 'password', autocomplete: 'new-password', minlength: '10', required: true } });
  const pwStatus = h('p', { attrs: { role: 'status' } });
  const password = h(
    'form',
    {
      class: 'settings',
      on: {
        submit: (e) => {
          e.preventDefault();
          api('POST', '/api/password', { current_password: current.value, new_password: next.value }).then(
            () => location.reload(),
            (err: Error) => (pwStatus.textContent = err.message),
          );
        },
      },
    },
    h('h2', { text: 'Admin password' }),
    field('pw-current', 'Current password', current),
    field('pw-new', 'New password (10 characters or more)', next),
    h('button', { text: 'Change password', attrs: { type: 'submit' } }),
    pwStatus,
  );
  // A password from the server's environment comes back at its next start: say so instead of offering the form.
  void api<{ password_fixed?: boolean }>('GET', '/api/session').then(
    (session) => {
      if (!session.password_fixed) return;
      for (const control of password.querySelectorAll('input, button')) control.setAttribute('disabled', '');
      pwStatus.textContent = "The admin password is set by PICHAT_ADMIN_PASSWORD in the server's environment: change it there and restart the server.";
    },
    () => undefined,
  );
  return h('main', { class: 'page' }, form, info, password);
}
