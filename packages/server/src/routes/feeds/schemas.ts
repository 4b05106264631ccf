import { Type } from '@sinclair/typebox';
import { PageKey, PageUrl } from '../comments/schemas.js';

export const MAX_FEED_ITEMS = 50;

export const FeedQuery = Type.Object({
  project_id: Type.String({ maxLength: 200, description: "The site's public key." }),
  page_url: Type.Optional(PageUrl),
  page_key: Type.Optional(PageKey),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_FEED_ITEMS, description: 'How many comments (default 20).' }),
  ),
});

export const FeedResponse = Type.String({ description: 'The feed, as XML.' });
