'use client';

import { useState } from 'react';

/**
 * Copies `text` (an embed snippet, a key) to the clipboard, and says so.
 * Where the browser refuses the clipboard, the text is selected instead, for
 * the owner to copy with the keyboard.
 */
export function CopyButton({ text, label, target }: { text: string; label: string; target: string }) {
  const [said, say] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      say('Copied.');
    } catch {
      const shown = document.getElementById(target);
      const selection = window.getSelection();
      if (shown && selection) {
        selection.selectAllChildren(shown);
        say('Selected: press Ctrl+C (⌘C) to copy.');
      }
    }
  };
  return (
    <span className="copy">
      <button type="button" className="link" onClick={() => void copy()} aria-describedby={`${target}-said`}>
        {label}
      </button>
      <span id={`${target}-said`} role="status" className="muted">
        {said}
      </span>
    </span>
  );
}
