import { Type } from '@sinclair/typebox';
import { PageKey, PageUrl } from '../comments/schemas.js';

export const MAX_FEED_ITEMS = 50;

const ProjectId = Type.String({ maxLength: 200, description: "The site's public key." });
const Limit = Type.Integer({
  minimum: 1,
  maximum: MAX_FEED_ITEMS,
  description: 'How many comments (default 20).',
});

export const PageFeedQuery = Type.Object({
  project_id: ProjectId,
  page_url: Type.Optional(PageUrl),
  page_key: Type.Optional(PageKey),
  limit: Type.Optional(Limit),
});

export const SiteFeedQuery = Type.Object({
  project_id: ProjectId,
  limit: Type.Optional(Limit),
});
