-- KEYS[1] the page's hidden index the reader may see (their own held comments, or all of them for
-- moderators); KEYS[2], when the reader has an account, their votes hash.
-- ARGV[1] how many hidden comments at most; ARGV[2] how many comments the thread shows.
--
-- What a signed-in thread read adds to the shared thread, in one call (`reader_overlay` in the prelude).
return reader_overlay(KEYS[1], KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]))
