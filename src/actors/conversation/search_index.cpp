#include "actors/conversation/search_index.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/search_tokens.hpp"
#include "storage/keys.hpp"

namespace chat::search {
namespace {

using storage::column;

/// Keys of one term: "<conv>/<term>/" then the seq. Words hold no '/' (nor
/// '@'), so neither a word nor an author can be a prefix of another's keys
/// followed by '/'.
std::string term_prefix(const std::string& conv, std::string_view term) {
  std::string out;
  out.reserve(conv.size() + term.size() + 2 + storage::key_u64_size);
  out.append(conv).append(1, '/').append(term).append(1, '/');
  return out;
}

std::string author_term(const std::string& user) { return "@" + user; }

/// The terms a message is indexed under: its words and its author.
std::vector<std::string> terms_of(const message_record& m) {
  auto terms = tokenize(m.text);
  terms.push_back(author_term(m.from));
  return terms;
}

bool indexed(const message_record& m) { return !m.is_event() && !m.deleted; }

/// One term's seqs below `high`, newest first, read in growing chunks (a
/// query that stops early read little; a long walk reads few chunks).
class postings {
public:
  postings(const storage::store& db, std::string prefix, std::uint64_t high)
    : db_(db), prefix_(std::move(prefix)), high_(high) {}

  /// The newest seq not yet popped; 0 when none is left (or on error: rc()).
  std::uint64_t peek() {
    if (pos_ == buf_.size() && !done_)
      refill();
    return pos_ < buf_.size() ? buf_[pos_] : 0;
  }
  void pop() { ++pos_; }
  errc rc() const { return rc_; }

private:
  void refill() {
    buf_.clear();
    pos_ = 0;
    if (high_ <= 1) {
      done_ = true;
      return;
    }
    rc_ = db_.scan_range(column::search_terms, prefix_ + storage::key_u64(0),
                         prefix_ + storage::key_u64(high_), true, chunk_,
                         [&](std::string_view key, std::string_view) {
                           buf_.push_back(storage::parse_key_u64_suffix(key));
                           return true;
                         });
    if (rc_ != errc::ok)
      buf_.clear();
    if (rc_ != errc::ok || buf_.size() < chunk_)
      done_ = true;
    if (!buf_.empty())
      high_ = buf_.back();
    chunk_ = std::min<std::size_t>(chunk_ * 4, 4096);
  }

  storage::store db_;
  std::string prefix_;
  std::uint64_t high_; ///< exclusive
  std::vector<std::uint64_t> buf_;
  std::size_t pos_ = 0;
  std::size_t chunk_ = 32;
  bool done_ = false;
  errc rc_ = errc::ok;
};

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

/// About how many postings `prefix` has below `high`: exact up to `cap`;
/// beyond, the newest `cap` postings' density over the seqs they span,
/// extrapolated to all seqs below `high` (a word in 10 % of the messages
/// and one in 1 % both exceed any small cap, but not at the same density).
double estimate(const storage::store& db, const std::string& prefix, std::uint64_t high,
                std::size_t cap) {
  std::size_t n = 0;
  std::uint64_t lowest = high;
  db.scan_range(column::search_terms, prefix + storage::key_u64(0),
                prefix + storage::key_u64(high), true, cap,
                [&](std::string_view key, std::string_view) {
                  lowest = storage::parse_key_u64_suffix(key);
                  return ++n < cap;
                });
  if (n < cap)
    return double(n);
  auto span = double(high - lowest);
  return double(n) * double(high) / std::max(span, 1.0);
}

/// The distinct indexed words starting with `p`, at most `max` (more: *truncated).
std::vector<std::string> expand(const storage::store& db, const std::string& conv,
                                const std::string& p, std::size_t max, bool* truncated) {
  std::vector<std::string> words;
  std::string from = conv + '/' + p;
  std::string to = from;
  to.back() = static_cast<char>(static_cast<unsigned char>(to.back()) + 1);
  const std::size_t skip = conv.size() + 1;
  while (true) {
    std::string word;
    db.scan_range(column::search_terms, from, to, false, 1,
                  [&](std::string_view key, std::string_view) {
                    if (key.size() >= skip + 1 + storage::key_u64_size)
                      word = std::string{key.substr(skip, key.size() - skip - 1 - storage::key_u64_size)};
                    return false;
                  });
    if (word.empty() || word[0] == '@')
      break;
    if (words.size() == max) {
      *truncated = true;
      break;
    }
    words.push_back(word);
    // Past every key of `word`: '0' is the byte after '/', and words hold no byte in between.
    from = conv + '/' + word + '0';
  }
  return words;
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

void index_message(storage::write_batch& b, const std::string& conv, const message_record& m) {
  if (!indexed(m))
    return;
  for (const auto& t : terms_of(m))
    b.put(column::search_terms, term_prefix(conv, t) + storage::key_u64(m.seq), {});
}

void unindex_message(storage::write_batch& b, const std::string& conv, const message_record& m) {
  if (!indexed(m))
    return;
  for (const auto& t : terms_of(m))
    b.del(column::search_terms, term_prefix(conv, t) + storage::key_u64(m.seq));
}

void reindex_message(storage::write_batch& b, const std::string& conv,
                     const message_record& before, const message_record& after) {
  if (before.text == after.text && indexed(before) == indexed(after))
    return; // a reaction: the words stay
  // Removals first: a word in both texts is put back by the later write.
  unindex_message(b, conv, before);
  index_message(b, conv, after);
}

errc run(const storage::store& db, const std::string& conv, const search_request& req,
         std::uint64_t acknowledged, search_page* out, const bounds& limits) {
  out->messages.clear();
  out->next_before = 0;
  out->partial = false;
  // Only acknowledged messages: seqs below `high`.
  std::uint64_t high = acknowledged + 1;
  if (req.before_seq != 0)
    high = std::min(high, req.before_seq);
  if (high <= 1)
    return errc::ok;

  // The exact terms: words and the author, the walk's candidates.
  std::vector<std::string> exact;
  for (const auto& w : req.words)
    exact.push_back(term_prefix(conv, w));
  if (!req.from.empty())
    exact.push_back(term_prefix(conv, author_term(req.from)));

  // The walk: the rarest exact term (counted up to a cap), else the prefix
  // with the fewest words.
  merged walk;
  std::size_t driver = 0;
  if (!exact.empty()) {
    constexpr std::size_t cap = 64;
    double best = std::numeric_limits<double>::max();
    for (std::size_t i = 0; i < exact.size() && best > 0; ++i) {
      auto n = estimate(db, exact[i], high, cap);
      if (n < best) {
        best = n;
        driver = i;
      }
    }
    if (best == 0)
      return errc::ok; // a word no message has
    walk.add(std::make_unique<postings>(db, exact[driver], high));
  } else {
    std::vector<std::string> fewest;
    bool fewest_truncated = false;
    for (const auto& p : req.prefixes) {
      bool truncated = false;
      auto words = expand(db, conv, p, limits.max_expansions, &truncated);
      if (words.empty())
        return errc::ok;
      if (fewest.empty() || words.size() < fewest.size()) {
        fewest = std::move(words);
        fewest_truncated = truncated;
      }
    }
    if (fewest.empty())
      return errc::ok; // nothing to walk (the parser never asks this)
    out->partial = fewest_truncated; // some of its words are left out
    for (const auto& w : fewest)
      walk.add(std::make_unique<postings>(db, term_prefix(conv, w), high));
  }

  conversation_store messages{db};
  const std::size_t max_examined = limits.max_examined;
  std::size_t examined = 0;
  std::uint64_t last_examined = high;
  while (true) {
    auto seq = walk.peek();
    if (seq == 0)
      break;
    if (examined >= max_examined) {
      // Paging on from here continues the walk where it stopped.
      if (out->messages.size() < req.limit) {
        out->partial = true;
        out->next_before = last_examined;
      } else {
        out->next_before = out->messages.back().seq;
      }
      break;
    }
    walk.pop();
    ++examined;
    last_examined = seq;
    message_record m;
    auto rc = messages.get(conv, seq, &m);
    if (rc == errc::not_found)
      continue; // an entry without its message: nothing to show
    if (rc != errc::ok)
      return rc;
    if (!indexed(m) || (req.after_ms != 0 && m.ts < req.after_ms)
        || (req.before_ms != 0 && m.ts >= req.before_ms) || !before_cursor(req, conv, m))
      continue;
    // The other terms, on the message itself: one read of a message (which
    // a hit needs anyway) costs less than a point read per term of an index
    // too large for the block cache.
    if (!req.from.empty() && m.from != req.from)
      continue;
    if (!req.words.empty() || !req.prefixes.empty()) {
      auto words = tokenize(m.text);
      if (!std::all_of(req.words.begin(), req.words.end(),
                       [&](const auto& w) {
                         return std::find(words.begin(), words.end(), w) != words.end();
                       })
          || !std::all_of(req.prefixes.begin(), req.prefixes.end(),
                          [&](const auto& p) { return has_prefix_word(words, p); }))
        continue;
    }
    if (out->messages.size() == req.limit) {
      out->next_before = out->messages.back().seq; // one more exists
      break;
    }
    out->messages.push_back(view_of(conv, m));
  }
  return walk.rc();
}

} // namespace chat::search
