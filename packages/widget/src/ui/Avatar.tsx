import { useState } from 'preact/hooks';

interface Props {
  name: string;
  /** The picture the user set (their profile, or their sign-in provider's); drawn from the name otherwise. */
  url: string | null;
}

/**
 * Who wrote a comment, at a glance: their picture, or their initials on a colour
 * of their name. Nothing is fetched from a third party unless the user chose a
 * picture there; a picture that fails to load falls back to the initials.
 */
export function Avatar({ name, url }: Props) {
  const [failed, setFailed] = useState(false);
  if (url && !failed) {
    return (
      <img
        class="tk-face"
        src={url}
        alt=""
        loading="lazy"
        referrerpolicy="no-referrer"
        onError={() => setFailed(true)}
      />
    );
  }
  return (
    <span class="tk-face" aria-hidden="true" style={{ background: `hsl(${hue(name)} 45% 30%)` }}>
      {initials(name)}
    </span>
  );
}

/** The first letters of the first and last words ("Ada Lovelace" → "AL"), whole characters. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/);
  const first = (word = '') => Array.from(word)[0] ?? '';
  return (first(words[0]) + (words.length > 1 ? first(words.at(-1)) : '')).toUpperCase() || '?';
}

/** A hue from the name: the same name always gets the same colour. */
export function hue(name: string): number {
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return Math.abs(hash) % 360;
}
