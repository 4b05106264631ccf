import { describeCommentEngine } from './comment-engine.suite.js';

describeCommentEngine('comment engine on a single Redis server', { cluster: false });
