// The legacy script's sharing (in js/load-share.js's place) comes in the same file as its whole
// engine, which a shared source needs anyway (js/legacy/engine-file.js): one file for what few
// pages load, and no import(), which a classic script of this class cannot run.
import { loadWhole } from './load-whole.js';

export const loadShare = loadWhole;
