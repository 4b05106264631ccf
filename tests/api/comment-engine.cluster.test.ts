import { describeCommentEngine } from './comment-engine.suite.js';

describeCommentEngine('comment engine on a 3-master Redis Cluster', { cluster: true });
