// Loads connection sharing (js/share.js) on first use: a module of its own so that the legacy
// script can put its own in this one's place (js/legacy/load-share.js).
export const loadShare = () => import('./share.js');
