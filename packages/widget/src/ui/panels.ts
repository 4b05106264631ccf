import type { ComponentType } from 'preact';
import { useState } from 'preact/hooks';
import type { PanelProps } from '../features/context.js';
import type { Panel } from './AccountBar.js';

/** The dialogs, each in its feature's chunk, fetched the first time it is opened. */
const PANELS: Record<Panel, () => Promise<ComponentType<PanelProps>>> = {
  signIn: () => import('../features/signin/index.js').then((m) => m.SignInDialog),
  notifications: () => import('../features/account/index.js').then((m) => m.NotificationsPanel),
  profile: () => import('../features/account/index.js').then((m) => m.ProfileDialog),
};

/** The open dialog, if any, and how to open one and close it. */
export function usePanel() {
  const [Open, setOpen] = useState<ComponentType<PanelProps> | null>(null);
  return {
    Open,
    // `setOpen` takes a function as an updater, so the component is wrapped in one.
    open: (name: Panel) => PANELS[name]().then((component) => setOpen(() => component), console.warn),
    close: () => setOpen(null),
  };
}
