// The notifications panel and the profile: one lazy chunk, loaded when the bell or "Profile" is opened.
export { NotificationsPanel } from './Notifications.js';
export { ProfileDialog } from './Profile.js';
