#include "actors/conversation/search_index.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <vector>

#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/search_blocks.hpp"
#include "actors/conversation/search_tokens.hpp"
#include "storage/keys.hpp"

namespace chat::search {
namespace {

using storage::column;

/// One key range's seqs below `high`, newest first, read in growing chunks
/// (a query that stops early read little; a long walk reads few chunks).
/// Blocks may overlap (an edit's entry lies among older blocks' seqs), so
/// seqs wait in a heap until no unread block can hold a newer one: every
/// unread key is below the last one read, and a block's seqs are at most
/// its key.
class postings {
public:
  /// `span`: how far below its key a block's seqs may reach.
  postings(const storage::store& db, std::string prefix, std::uint64_t high, std::uint64_t span)
    : db_(db), prefix_(std::move(prefix)), high_(high),
      upper_(high > std::numeric_limits<std::uint64_t>::max() - span ? high : high + span) {}

  /// The newest seq not yet popped; 0 when none is left (or on error: rc()).
  std::uint64_t peek() {
    while (!done_ && (heap_.empty() || heap_.top() < upper_))
      refill();
    return heap_.empty() ? 0 : heap_.top();
  }
  /// Pops the newest seq (and its copies from overlapping blocks).
  void pop() {
    auto top = heap_.top();
    while (!heap_.empty() && heap_.top() == top)
      heap_.pop();
  }
  errc rc() const { return rc_; }

private:
  void refill() {
    if (upper_ == 0) {
      done_ = true;
      return;
    }
    std::size_t read = 0;
    std::vector<std::uint64_t> seqs;
    rc_ = db_.scan_range(column::search_terms, prefix_ + storage::key_u64(0),
                         prefix_ + storage::key_u64(upper_), true, chunk_,
                         [&](std::string_view key, std::string_view value) {
                           ++read;
                           auto hi = storage::parse_key_u64_suffix(key);
                           upper_ = hi; // the next read is below this key
                           seqs.clear();
                           if (decode_block(hi, value, &seqs))
                             for (auto s : seqs)
                               if (s < high_)
                                 heap_.push(s);
                           return true;
                         });
    if (rc_ != errc::ok) {
      heap_ = {};
      done_ = true;
      return;
    }
    if (read < chunk_)
      done_ = true;
    chunk_ = std::min<std::size_t>(chunk_ * 4, 1024);
  }

  storage::store db_;
  std::string prefix_;
  std::uint64_t high_;  ///< seqs below this only
  std::uint64_t upper_; ///< keys below this are unread
  std::priority_queue<std::uint64_t> heap_;
  std::size_t chunk_ = 16;
  bool done_ = false;
  errc rc_ = errc::ok;
};

/// A word's walk: its blocks and the messages edits gave it.
std::vector<std::unique_ptr<postings>> word_postings(const storage::store& db,
                                                     const std::string& conv,
                                                     const std::string& word, std::uint64_t high) {
  std::vector<std::unique_ptr<postings>> out;
  out.push_back(std::make_unique<postings>(db, block_prefix(conv, word), high, max_block_span));
  out.push_back(std::make_unique<postings>(db, edited_prefix(conv, word), high, 0));
  return out;
}

/// The union of several terms' postings (a prefix's words), newest first.
class merged {
public:
  void add(std::unique_ptr<postings> p) { parts_.push_back(std::move(p)); }
  std::uint64_t peek() {
    std::uint64_t top = 0;
    for (auto& p : parts_)
      top = std::max(top, p->peek());
    return top;
  }
  void pop() {
    auto top = peek();
    for (auto& p : parts_)
      if (p->peek() == top)
        p->pop();
  }
  errc rc() const {
    for (const auto& p : parts_)
      if (p->rc() != errc::ok)
        return p->rc();
    return errc::ok;
  }

private:
  std::vector<std::unique_ptr<postings>> parts_;
};

/// About how many seqs below `high` a term's blocks hold: exact up to
/// `cap`; beyond, the newest `cap` seqs' density over the seqs they span,
/// extrapolated to all seqs below `high` (a word in 10 % of the messages
/// and one in 1 % both exceed any small cap, but not at the same density).
double estimate(const storage::store& db, const std::string& prefix, std::uint64_t high,
                std::size_t cap) {
  std::size_t n = 0;
  std::uint64_t lowest = high;
  std::vector<std::uint64_t> seqs;
  db.scan_range(column::search_terms, prefix + storage::key_u64(0),
                prefix + storage::key_u64(high + max_block_span), true, cap,
                [&](std::string_view key, std::string_view value) {
                  seqs.clear();
                  decode_block(storage::parse_key_u64_suffix(key), value, &seqs);
                  for (auto s : seqs)
                    if (s < high) {
                      ++n;
                      lowest = std::min(lowest, s);
                    }
                  return n < cap;
                });
  if (n < cap)
    return double(n);
  auto span = double(high - lowest);
  return double(n) * double(high) / std::max(span, 1.0);
}

/// Adds the distinct words with keys under `base` (a conversation's blocks
/// or edited words) that start with `p` to `words`, up to `max` in all
/// (more: *truncated).
void expand(const storage::store& db, const std::string& base, const std::string& p,
            std::size_t max, std::set<std::string>& words, bool* truncated) {
  std::string from = base + p;
  std::string to = from;
  to.back() = static_cast<char>(static_cast<unsigned char>(to.back()) + 1);
  const std::size_t skip = base.size();
  while (true) {
    std::string word;
    db.scan_range(column::search_terms, from, to, false, 1,
                  [&](std::string_view key, std::string_view) {
                    if (key.size() >= skip + 1 + storage::key_u64_size)
                      word = std::string{key.substr(skip, key.size() - skip - 1 - storage::key_u64_size)};
                    return false;
                  });
    if (word.empty() || word[0] == '@' || word[0] == '~')
      break;
    if (!words.count(word) && words.size() == max) {
      *truncated = true;
      break;
    }
    words.insert(word);
    // Past every key of `word`: '0' is the byte after '/', and words hold no byte in between.
    from = base + word + '0';
  }
}

bool has_prefix_word(const std::vector<std::string>& words, const std::string& p) {
  return std::any_of(words.begin(), words.end(),
                     [&](const auto& w) { return w.compare(0, p.size(), p) == 0; });
}

/// Older than the cursor in the merged order (ts, conv, seq descending).
bool before_cursor(const search_request& req, const std::string& conv, const message_record& m) {
  if (!req.has_cursor)
    return true;
  if (m.ts != req.cursor_ts)
    return m.ts < req.cursor_ts;
  if (conv != req.cursor_conv)
    return conv < req.cursor_conv;
  return m.seq < req.cursor_seq;
}

} // namespace

bool indexed(const message_record& m) { return !m.is_event() && !m.deleted; }

std::vector<std::string> terms_of(const message_record& m) {
  auto terms = tokenize(m.text);
  terms.push_back(author_term(m.from));
  return terms;
}

void reindex_message(storage::write_batch& b, const std::string& conv,
                     const message_record& before, const message_record& after) {
  if (before.text == after.text && indexed(before) == indexed(after))
    return; // a reaction: the words stay
  auto old_words = indexed(before) ? tokenize(before.text) : std::vector<std::string>{};
  auto new_words = indexed(after) ? tokenize(after.text) : std::vector<std::string>{};
  const auto seq = storage::key_u64(after.seq);
  for (const auto& w : old_words)
    if (std::find(new_words.begin(), new_words.end(), w) == new_words.end())
      b.del(column::search_terms, edited_prefix(conv, w) + seq);
  for (const auto& w : new_words)
    b.put(column::search_terms, edited_prefix(conv, w) + seq, {});
}

std::set<std::string> terms_set(const message_view& v) {
  if ((!v.kind.empty() && v.kind != "message") || v.deleted)
    return {};
  std::set<std::string> out;
  for (auto& w : tokenize(v.text))
    out.insert(std::move(w));
  out.insert(author_term(v.from));
  return out;
}

errc blocks_below(const storage::store& db, const std::string& conv,
                  const std::set<std::string>& terms, std::uint64_t below,
                  std::vector<block_key>* out, std::size_t max_per_term) {
  // A block's seqs are at most its key: keys below `below` hold only
  // older messages.
  for (const auto& t : terms) {
    auto prefix = block_prefix(conv, t);
    auto rc = db.scan_range(column::search_terms, prefix + storage::key_u64(0),
                            prefix + storage::key_u64(below), false, max_per_term,
                            [&](std::string_view key, std::string_view) {
                              out->push_back({std::string{key}, storage::parse_key_u64_suffix(key)});
                              return true;
                            });
    if (rc != errc::ok)
      return rc;
  }
  return errc::ok;
}

void unindex_expired(storage::write_batch& b, const std::string& conv,
                     const std::vector<message_view>& gone, std::uint64_t expired_before,
                     const std::vector<block_key>& candidates) {
  for (const auto& m : gone)
    for (const auto& t : terms_set(m))
      if (t[0] != '@')
        b.del(column::search_terms, edited_prefix(conv, t) + storage::key_u64(m.seq));
  for (const auto& c : candidates)
    if (c.hi < expired_before)
      b.del(column::search_terms, c.key);
}

errc run(const storage::store& db, const std::string& conv, const search_request& req,
         std::uint64_t acknowledged, std::uint64_t marked, search_page* out,
         const bounds& limits) {
  out->messages.clear();
  out->next_before = 0;
  out->partial = false;
  // Only acknowledged messages: seqs below `high`.
  std::uint64_t high = acknowledged + 1;
  if (req.before_seq != 0)
    high = std::min(high, req.before_seq);
  if (high <= 1)
    return errc::ok;

  conversation_store messages{db};
  const std::size_t max_examined = limits.max_examined;
  std::size_t examined = 0;
  std::uint64_t last_examined = high;
  // Checks candidate `seq`; false when the walk must stop (a bound, a full
  // page, or an error in *rc).
  errc rc = errc::ok;
  auto examine = [&](std::uint64_t seq) {
    if (examined >= max_examined) {
      // Paging on from here continues the walk where it stopped.
      if (out->messages.size() < req.limit) {
        out->partial = true;
        out->next_before = last_examined;
      } else {
        out->next_before = out->messages.back().seq;
      }
      return false;
    }
    ++examined;
    last_examined = seq;
    message_record m;
    auto got = messages.get(conv, seq, &m);
    if (got == errc::not_found)
      return true; // an entry without its message: nothing to show
    if (got != errc::ok) {
      rc = got;
      return false;
    }
    if (!indexed(m) || (req.after_ms != 0 && m.ts < req.after_ms)
        || (req.before_ms != 0 && m.ts >= req.before_ms) || !before_cursor(req, conv, m))
      return true;
    // Every term, on the message itself: one read of a message (which a hit
    // needs anyway) costs less than a point read per term of an index too
    // large for the block cache, and it hides words an edit took away.
    if (!req.from.empty() && m.from != req.from)
      return true;
    if (!req.words.empty() || !req.prefixes.empty()) {
      auto words = tokenize(m.text);
      if (!std::all_of(req.words.begin(), req.words.end(),
                       [&](const auto& w) {
                         return std::find(words.begin(), words.end(), w) != words.end();
                       })
          || !std::all_of(req.prefixes.begin(), req.prefixes.end(),
                          [&](const auto& p) { return has_prefix_word(words, p); }))
        return true;
    }
    if (out->messages.size() == req.limit) {
      out->next_before = out->messages.back().seq; // one more exists
      return false;
    }
    out->messages.push_back(view_of(conv, m));
    return true;
  };

  // The newest messages, not in a block yet: each one checked.
  while (high > marked + 1) {
    if (!examine(--high))
      return rc;
    if (high <= 1)
      return errc::ok;
  }

  // The exact terms: words and the author, the walk's candidates.
  std::vector<std::string> exact;
  for (const auto& w : req.words)
    exact.push_back(w);
  if (!req.from.empty())
    exact.push_back(author_term(req.from));

  // The walk: the rarest exact term (counted up to a cap), else the prefix
  // with the fewest words.
  merged walk;
  if (!exact.empty()) {
    constexpr std::size_t cap = 64;
    double best = std::numeric_limits<double>::max();
    std::size_t driver = 0;
    for (std::size_t i = 0; i < exact.size() && best > 0; ++i) {
      auto n = estimate(db, block_prefix(conv, exact[i]), high, cap);
      if (n < best) {
        best = n;
        driver = i;
      }
    }
    for (auto& p : word_postings(db, conv, exact[driver], high))
      walk.add(std::move(p));
  } else {
    // A prefix's words: those of blocks, and those only edits gave (each
    // walked in its own key range: no empty walks of the other kind).
    struct expansion {
      std::set<std::string> blocks, edited;
      bool truncated = false;
      std::size_t size() const { return blocks.size() + edited.size(); }
    };
    std::optional<expansion> fewest;
    for (const auto& p : req.prefixes) {
      expansion e;
      expand(db, conv + '/', p, limits.max_expansions, e.blocks, &e.truncated);
      expand(db, conv + "/~", p, limits.max_expansions - std::min(limits.max_expansions, e.blocks.size()),
             e.edited, &e.truncated);
      if (e.size() == 0)
        return errc::ok;
      if (!fewest || e.size() < fewest->size())
        fewest = std::move(e);
    }
    if (!fewest)
      return errc::ok; // nothing to walk (the parser never asks this)
    out->partial = fewest->truncated; // some of its words are left out
    for (const auto& w : fewest->blocks)
      walk.add(std::make_unique<postings>(db, block_prefix(conv, w), high, max_block_span));
    for (const auto& w : fewest->edited)
      walk.add(std::make_unique<postings>(db, edited_prefix(conv, w), high, 0));
  }

  while (true) {
    auto seq = walk.peek();
    if (seq == 0)
      break;
    if (!examine(seq))
      return rc;
    walk.pop();
  }
  return walk.rc();
}

} // namespace chat::search
