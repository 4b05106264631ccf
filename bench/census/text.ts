/**
 * What people write: commenter names, page addresses and comment Markdown.
 * Comments are mostly plain prose (a median of about 211 characters, a long
 * tail of essays), a minority with emphasis, code, links, quotes or lists, and
 * replies that sometimes address someone with an @mention. Every text is a
 * pure function of the seed and the comment, so a run can be repeated.
 */
import { chance, itemStream, lognormal, pick, type Random } from './random.js';

/** A word list written as comma-separated text (easier to read and extend than one string per line). */
const list = (text: string): readonly string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const lines = (text: string): readonly string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

const FIRST = list(`
  Ada, Aisha, Alejandro, Amara, Anders, Andrea, Anja, Arjun, Astrid, Beatriz, Ben, Bilal, Bogdan,
  Camille, Carlos, Chen, Chiara, Chloé, Chris, Dana, Daniel, Dmitri, Elena, Elif, Emeka, Emma,
  Erik, Fatima, Felix, Femi, Fiona, Gabriel, Greta, Hana, Hannah, Hiro, Ibrahim, Ines, Inés,
  Ingrid, Isaac, Ivan, Jack, Jana, Javier, Jin, Jonas, José, Julia, Kai, Karin, Kenji, Kofi,
  Lars, Laura, Lea, Leila, Liam, Lin, Lucas, Lucía, Luka, Maja, Malik, Marco, Maria, Mateo, Mei,
  Mia, Mika, Nadia, Naomi, Nikos, Nina, Noah, Olga, Omar, Oscar, Paul, Pedro, Priya, Rafael,
  Rania, Ravi, Rosa, Ruth, Sam, Sara, Sofia, Søren, Stefan, Tariq, Tess, Theo, Tomás, Uma, Vera,
  Victor, Wei, Yara, Yusuf, Zoe, Zoran
`);
const LAST = list(`
  Abe, Adeyemi, Andersson, Bauer, Becker, Bianchi, Brown, Castro, Chen, Costa, Dubois, Eriksen,
  Fischer, Fontaine, Garcia, Gomez, Haddad, Hansen, Ito, Jensen, Kaur, Kim, Kowalski, Kuznetsov,
  Larsen, Lee, Lindqvist, Lopez, Martin, Meyer, Moreau, Müller, Nakamura, Nguyen, Novak, Nowak,
  Okafor, Olsen, Osei, Park, Patel, Perez, Petrov, Popescu, Rossi, Sato, Schmidt, Shah, Silva,
  Singh, Smith, Suzuki, Tanaka, Taylor, Torres, Van Dijk, Wagner, Walker, Wang, Weber, Williams,
  Yamamoto, Yilmaz, Zhang
`);
const HANDLE_PARTS = list(`
  quiet, amber, river, north, pixel, lunar, maple, rusty, salty, tiny, cobalt, paper, otter,
  falcon, badger, heron, fox, wren, kettle, lantern, tractor, comet, walrus, pepper, juniper,
  harbor, static, velvet, granite, meadow
`);

/** A commenter's display name: full names, first names and handles, as people pick them. */
export function commenterName(seed: number, user: number): string {
  const random = itemStream(seed, 'name', user);
  const draw = random();
  if (draw < 0.45) return `${pick(random, FIRST)} ${pick(random, LAST)}`;
  if (draw < 0.6) return `${pick(random, FIRST)} ${pick(random, LAST).charAt(0)}.`;
  if (draw < 0.72) return pick(random, FIRST);
  const handle = `${pick(random, HANDLE_PARTS)}${chance(random, 0.5) ? '_' : ''}${pick(random, HANDLE_PARTS)}`;
  return chance(random, 0.6) ? `${handle}${Math.floor(random() * 100)}` : handle;
}

const MAIL_DOMAINS = list(`
  example.com, example.org, example.net, mail.example.com, posteo.example
`);

/** A unique, plausible address for an account (RFC 2606 domains only). */
export function commenterEmail(seed: number, user: number, name: string): string {
  const random = itemStream(seed, 'email', user);
  const local = name
    .normalize('NFD')
    .replace(/[^A-Za-z0-9 ]/g, '')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, pick(random, ['.', '_', '']));
  return `${local || 'reader'}${user}@${pick(random, MAIL_DOMAINS)}`;
}

export const avatarUrl = (seed: number, user: number): string => {
  const random = itemStream(seed, 'avatar', user);
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `https://avatars.example.com/u/${hex}?s=96`;
};

/** A password that passes the rules (long, not a common one). */
export const commenterPassword = (seed: number, user: number): string => {
  const random = itemStream(seed, 'password', user);
  return Array.from({ length: 16 }, () =>
    pick(random, [...'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789']),
  ).join('');
};

interface Topic {
  section: string;
  things: readonly string[];
  slugWords: readonly string[];
  technical: boolean;
}

const TOPICS: readonly Topic[] = [
  {
    section: 'engineering',
    technical: true,
    things: [
      'the caching layer',
      'the migration plan',
      'connection pooling',
      'the new index',
      'back-pressure',
      'the retry policy',
      'schema validation',
      'the rollout',
      'error budgets',
      'the build pipeline',
      'cold starts',
      'the query planner',
      'feature flags',
      'the on-call rotation',
      'the monorepo',
    ],
    slugWords: [
      'scaling',
      'postgres',
      'redis',
      'latency',
      'outage',
      'lessons',
      'rewrite',
      'cache',
      'queues',
      'testing',
    ],
  },
  {
    section: 'food',
    technical: false,
    things: [
      'the sourdough starter',
      'the brining step',
      'the spice mix',
      'cast iron',
      'the resting time',
      'the dough hydration',
      'the braise',
      'the pickling liquid',
      'the oven temperature',
      'fresh herbs',
    ],
    slugWords: [
      'sourdough',
      'weeknight',
      'recipe',
      'braised',
      'summer',
      'salad',
      'bread',
      'pickles',
      'soup',
      'easy',
    ],
  },
  {
    section: 'travel',
    technical: false,
    things: [
      'the night train',
      'the old town',
      'the ferry schedule',
      'the hostel',
      'the hiking route',
      'the local market',
      'the museum pass',
      'the airport transfer',
      'the coastal path',
      'the shoulder season',
    ],
    slugWords: [
      'lisbon',
      'alps',
      'itinerary',
      'budget',
      'islands',
      'rail',
      'guide',
      'week',
      'hidden',
      'coast',
    ],
  },
  {
    section: 'science',
    technical: false,
    things: [
      'the sample size',
      'the control group',
      'the error bars',
      'the new telescope data',
      'the model',
      'the replication attempt',
      'the dataset',
      'the peer review',
      'the preprint',
      'the measurement',
    ],
    slugWords: [
      'study',
      'climate',
      'telescope',
      'genes',
      'finding',
      'ocean',
      'brain',
      'data',
      'physics',
      'new',
    ],
  },
  {
    section: 'city',
    technical: false,
    things: [
      'the new bike lanes',
      'the bus network',
      'the zoning change',
      'the council vote',
      'the housing plan',
      'the park renovation',
      'parking fees',
      'the tram extension',
      'the budget hearing',
      'the library hours',
    ],
    slugWords: [
      'council',
      'housing',
      'transit',
      'budget',
      'vote',
      'plan',
      'downtown',
      'parks',
      'bikes',
      'report',
    ],
  },
];

const SITE = 'https://www.northwind-journal.example';

/** The page's address: sections, dates and slugs of the length real articles have. */
export function pageUrl(seed: number, page: number): string {
  const random = itemStream(seed, 'page', page);
  const topic = TOPICS[page % TOPICS.length]!;
  const words = Array.from({ length: 3 + Math.floor(random() * 6) }, () => pick(random, topic.slugWords));
  const year = 2016 + Math.floor(random() * 9);
  const month = String(1 + Math.floor(random() * 12)).padStart(2, '0');
  return `${SITE}/${topic.section}/${year}/${month}/${words.join('-')}-${page}`;
}

/** Phrases the site's word filter holds for review; generated spam carries them, nothing else does. */
export const HELD_PHRASES = ['crypto giveaway', 'casino bonus', 'replica watches', 'guaranteed income'];

/** Short answers, one a line (some have commas). */
const REACTIONS = lines(`
  Great write-up, thanks!
  This.
  Agreed.
  Same here.
  Thank you for this.
  Well said.
  Bookmarked.
  Exactly my experience.
  Hard disagree.
  Love this.
  Underrated comment.
  Came here to say this.
  Interesting, thanks for sharing.
  Source?
  Ha, fair point.
  Could not agree more.
  Saving this for later.
  Nice one 👍
  Good read.
  Thanks, that helped!
`);
const OPINIONS = list(`
  underrated, surprisingly subtle, well explained, a bit hand-wavy, spot on, overrated,
  more important than it looks, easy to get wrong, the part I keep coming back to,
  genuinely useful, harder than the article suggests, a nice touch
`);
const PEOPLE = list(`
  my partner, a colleague, my neighbour, a friend of mine, my brother, our team lead, my kids,
  someone on the forum, my old professor, a reader below
`);
const WHEN = list(`
  last week, a few years ago, this spring, back in 2019, yesterday, over the holidays, twice now,
  every single time, when I first tried it, last month
`);
const CLAUSES = list(`
  the details matter more than people think, nobody reads the fine print, you are short on time,
  the weather does not cooperate, things get busy, you do it for the first time,
  the budget is tight, everyone has an opinion, you can measure it, it is done right
`);
const SENTENCES: readonly ((r: Random, t: Topic) => string)[] = [
  (r, t) => `I think ${pick(r, t.things)} is ${pick(r, OPINIONS)} here, especially when ${pick(r, CLAUSES)}.`,
  (r, t) => `We tried ${pick(r, t.things)} ${pick(r, WHEN)} and it was ${pick(r, OPINIONS)}.`,
  (r, t) => `Thanks for writing this up, the part about ${pick(r, t.things)} was ${pick(r, OPINIONS)}.`,
  (r, t) => `Does this still hold when ${pick(r, CLAUSES)}? Asking because of ${pick(r, t.things)}.`,
  (r, t) => `${cap(pick(r, PEOPLE))} said the same about ${pick(r, t.things)} ${pick(r, WHEN)}.`,
  (r) => `In my experience ${pick(r, CLAUSES)}, so I would not generalise too much.`,
  (r, t) => `The article skips over ${pick(r, t.things)}, which in my opinion is ${pick(r, OPINIONS)}.`,
  (r, t) => `Honestly, ${pick(r, t.things)} made all the difference for us.`,
  () => `I have been reading this blog for years and this is one of the better posts.`,
  (r, t) => `Not sure I agree: ${pick(r, t.things)} is ${pick(r, OPINIONS)} but the conclusion goes too far.`,
  (r) => `It depends a lot on context, and ${pick(r, CLAUSES)}.`,
  (r, t) => `Could you write a follow-up on ${pick(r, t.things)}? I would read it.`,
  (r, t) => `The comparison with ${pick(r, t.things)} is fair, though ${pick(r, CLAUSES)}.`,
  (r) => `We had the opposite result ${pick(r, WHEN)}, but our situation was different.`,
  (r, t) => `What surprised me most was how ${pick(r, OPINIONS)} ${pick(r, t.things)} turned out to be.`,
  (r) => `That matches what ${pick(r, PEOPLE)} told me ${pick(r, WHEN)}.`,
  (r, t) => `If I had to start again I would look at ${pick(r, t.things)} first.`,
  (r) => `People tend to forget that ${pick(r, CLAUSES)}.`,
  (r, t) => `I would add one thing: ${pick(r, t.things)} needs more time than you expect.`,
  (r, t) => `Small nitpick, but ${pick(r, t.things)} is not quite what the second paragraph describes.`,
  () => `This is the kind of post that makes me glad I still read comments.`,
  (r, t) => `Has anyone here tried ${pick(r, t.things)} with a smaller setup? Curious how it scales down.`,
  (r) => `Fair enough, although ${pick(r, CLAUSES)} and that changes the picture a bit.`,
  (r, t) => `For what it is worth, ${pick(r, t.things)} worked fine for ${pick(r, PEOPLE)}.`,
  (r) => `I changed my mind on this ${pick(r, WHEN)} and have not looked back.`,
  (r, t) =>
    `The numbers on ${pick(r, t.things)} look ${pick(r, OPINIONS)} to me, but I would love to see the raw data.`,
];
const EMOJI = list(`
  🙂, 👍, 😂, 🙏, 🎉, 🤔, ❤️, 😅
`);
const CODE_BITS = list(`
  LRU, WAL, SETNX, ETag, max_connections, git bisect, --dry-run, EXPLAIN ANALYZE, O(n log n),
  200 ms
`);

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What a comment needs to know about where it is written. */
export interface CommentContext {
  page: number;
  /** The name of the author being answered, for replies. */
  parentAuthor: string | null;
  /** Someone else who commented earlier on the page, who may be mentioned. */
  earlierCommenter: string | null;
  /** Spam that the site's checks hold for review. */
  held: boolean;
}

/** Lengths drawn around this median come out at a median of about 211 characters of Markdown. */
const TARGET_MEDIAN = 146;
const TARGET_SIGMA = 0.8;

export function commentMarkdown(seed: number, comment: number, context: CommentContext): string {
  const random = itemStream(seed, 'text', comment);
  const topic = TOPICS[context.page % TOPICS.length]!;
  if (context.held) return spam(random, topic);
  const target = Math.min(6000, lognormal(random, TARGET_MEDIAN, TARGET_SIGMA));

  let text: string;
  if (target < 40) {
    text = pick(random, REACTIONS);
  } else {
    const paragraphs: string[] = [];
    let sentences: string[] = [];
    let length = 0;
    // Paragraphs of a few sentences: only the longer comments get several.
    const perParagraph = target < 320 ? Number.POSITIVE_INFINITY : 3 + Math.floor(random() * 4);
    while (length < target) {
      const sentence = pick(random, SENTENCES)(random, topic);
      sentences.push(sentence);
      length += sentence.length + 1;
      if (sentences.length >= perParagraph && length < target) {
        paragraphs.push(sentences.join(' '));
        sentences = [];
        length += 1;
      }
    }
    if (sentences.length > 0) paragraphs.push(sentences.join(' '));
    decorate(random, topic, paragraphs);
    text = paragraphs.join('\n\n');
  }
  if (context.parentAuthor && chance(random, 0.15)) text = `@${context.parentAuthor} ${text}`;
  else if (context.earlierCommenter && chance(random, 0.025))
    text = `${text} @${context.earlierCommenter} ${pick(random, ['what do you think?', 'you mentioned this above.', 'see, I told you.'])}`;
  if (chance(random, 0.04)) text = `${text} ${pick(random, EMOJI)}`;
  return text;
}

/** The minority of comments with formatting: each device on its own small share. */
function decorate(random: Random, topic: Topic, paragraphs: string[]): void {
  const first = paragraphs[0]!;
  if (chance(random, 0.1)) {
    const thing = pick(random, topic.things);
    paragraphs[0] = `${first} **${cap(thing)}** is the ${pick(random, ['real', 'whole', 'main'])} point here.`;
  }
  if (chance(random, 0.03)) paragraphs[0] = `*${pick(random, ['Edit', 'Update', 'Note'])}:* ${paragraphs[0]}`;
  if (chance(random, topic.technical ? 0.14 : 0.03)) {
    paragraphs[paragraphs.length - 1] += ` We ended up using \`${pick(random, CODE_BITS)}\` for it.`;
  }
  if (chance(random, 0.06)) {
    const slug = Math.floor(random() * 100000).toString(36);
    paragraphs.push(
      `There is a good write-up [here](https://${pick(random, ['en.wikipedia.example', 'blog.example.org', 'docs.example.com', 'news.example.net'])}/${slug}) if anyone wants more.`,
    );
  } else if (chance(random, 0.03)) {
    paragraphs.push(
      `See https://www.example.org/${Math.floor(random() * 1e6).toString(36)} for the details.`,
    );
  }
  if (chance(random, 0.05)) {
    paragraphs.unshift(`> ${pick(random, SENTENCES)(random, topic)}`);
  }
  if (chance(random, 0.03)) {
    const items = Array.from(
      { length: 2 + Math.floor(random() * 4) },
      () => `- ${cap(pick(random, topic.things))}`,
    );
    paragraphs.push(`What worked for us:\n\n${items.join('\n')}`);
  }
  if (topic.technical && chance(random, 0.03)) {
    paragraphs.push(
      `\`\`\`\n${pick(random, CODE_BITS)} = ${Math.floor(random() * 1000)}\nretry(${Math.floor(random() * 10)})\n\`\`\``,
    );
  }
}

function spam(random: Random, topic: Topic): string {
  if (chance(random, 0.6)) {
    return `Loved ${pick(random, topic.things)}! By the way, ${pick(random, HELD_PHRASES)} this week only, details on my profile. ${pick(random, EMOJI)}`;
  }
  // More links than the site's max_links allows.
  const links = Array.from(
    { length: 6 + Math.floor(random() * 4) },
    (_, i) => `- [deal ${i + 1}](https://deals.example.net/${Math.floor(random() * 1e6).toString(36)})`,
  );
  return `Best offers for ${pick(random, topic.things)}:\n\n${links.join('\n')}`;
}
