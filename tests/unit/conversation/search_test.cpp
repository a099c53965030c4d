// Search (docs/protocol.md "Search"): words, the query language, and the
// index on a real RocksDB (posting blocks written after the messages, the
// mark, edits and deletes, retention, evaluated newest first with paging and
// bounds). Query tests run twice: with every message in blocks, and with
// none yet (each checked on its own, as right after it is stored).
#include <catch2/catch.hpp>

#include <filesystem>

#include "test_store.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/search_backlog.hpp"
#include "actors/conversation/search_blocks.hpp"
#include "actors/conversation/search_index.hpp"
#include "actors/conversation/search_query.hpp"
#include "actors/conversation/search_tokens.hpp"
#include "schema/ids.hpp"
#include "storage/keys.hpp"

using namespace chat;
using strings = std::vector<std::string>;

TEST_CASE("tokenize: ASCII folded, split on punctuation, UTF-8 kept, deduplicated") {
  CHECK(search::tokenize("Hello, World! hello-world") == strings{"hello", "world"});
  CHECK(search::tokenize("  e-mail: x@y.org 42") == strings{"e", "mail", "x", "y", "org", "42"});
  CHECK(search::tokenize("Grüße aus Köln 😀!") == strings{"grüße", "aus", "köln", "😀"});
  CHECK(search::tokenize("").empty());
  CHECK(search::tokenize("...!?").empty());
}

TEST_CASE("tokenize: long words are cut on a UTF-8 boundary, word count bounded") {
  auto words = search::tokenize(std::string(100, 'a'));
  REQUIRE(words.size() == 1);
  CHECK(words[0] == std::string(search::max_term_bytes, 'a'));
  // 31 ASCII bytes then a 2-byte letter: the letter does not fit whole.
  auto cut = search::tokenize(std::string(31, 'b') + "ééé");
  REQUIRE(cut.size() == 1);
  CHECK(cut[0] == std::string(31, 'b'));
  std::string many;
  for (int i = 0; i < 1000; ++i)
    many += "w" + std::to_string(i) + " ";
  CHECK(search::tokenize(many).size() == search::max_terms_per_message);
}

TEST_CASE("parse_query: words, prefixes, from, dates") {
  search_request r;
  std::string from;
  auto e = search::parse_query("Hello wor* from:alice after:2026-12-01 before:2026-12-03T10:30Z",
                               r, from);
  REQUIRE(e.code == errc::ok);
  CHECK(r.words == strings{"hello"});
  CHECK(r.prefixes == strings{"wor"});
  CHECK(from == "alice");
  CHECK(r.after_ms == 1796083200000); // 2026-12-01T00:00:00Z
  CHECK(r.before_ms == 1796083200000 + 2 * 86400000 + (10 * 3600 + 30 * 60) * 1000);
  search_request only_from;
  CHECK(search::parse_query("FROM:u_x", only_from, from).code == errc::ok);
  CHECK(from == "u_x");
}

TEST_CASE("parse_query: bad queries are bad requests with a reason") {
  auto bad = [](std::string q) {
    search_request r;
    std::string from;
    auto e = search::parse_query(q, r, from);
    CHECK(e.code == errc::bad_request);
    CHECK_FALSE(e.message.empty());
    return e.message;
  };
  CHECK(bad("").find("at least one") != std::string::npos);
  CHECK(bad("   ...  ").find("at least one") != std::string::npos);
  CHECK(bad("after:2026-01-01").find("at least one") != std::string::npos);
  CHECK(bad(std::string(300, 'a')).find("256") != std::string::npos);
  CHECK(bad("h*").find("prefix") != std::string::npos);
  CHECK(bad("a b c d e f g h i").find("at most 8") != std::string::npos);
  CHECK(bad("x after:yesterday").find("date") != std::string::npos);
  CHECK(bad("x before:2026-13-01").find("date") != std::string::npos);
  CHECK(bad("x from:").find("from:") != std::string::npos);
  CHECK(bad("x from:a from:b").find("one from:") != std::string::npos);
  CHECK(bad("x \xff").find("UTF-8") != std::string::npos);
}

TEST_CASE("cursor round trip") {
  search_request r;
  REQUIRE(search::decode_cursor(search::encode_cursor(1700000000000, 42, "c_abc"), r));
  CHECK(r.has_cursor);
  CHECK(r.cursor_ts == 1700000000000);
  CHECK(r.cursor_seq == 42);
  CHECK(r.cursor_conv == "c_abc");
  search_request bad;
  CHECK_FALSE(search::decode_cursor("garbage", bad));
  CHECK_FALSE(search::decode_cursor("1.x.c", bad));
  CHECK_FALSE(search::decode_cursor("1.2.", bad));
}

namespace {

struct indexed_conversation {
  test::temp_db t;
  storage::database* db = t.db.get();
  std::unique_ptr<conversation_store> store;
  std::string conv = make_id(id_kind::conversation, 3);
  std::string other = make_id(id_kind::conversation, 3);
  std::uint64_t last = 0;
  std::uint64_t mark = 0;      ///< as a conversation's flush leaves it
  bool flush_before_find = true;
  search::index_backlog backlog, other_backlog;

  explicit indexed_conversation(bool flushed = true) : flush_before_find(flushed) {
    store = std::make_unique<conversation_store>(db->at(0));
  }

  void commit(storage::write_batch batch) { t.commit(std::move(batch)); }

  message_record post(std::string from, std::string text, std::int64_t ts = 1000) {
    message_record m{++last, "m" + std::to_string(last), std::move(from), std::move(text), ts, {}};
    storage::write_batch b;
    store->append(b, conv, m);
    // A neighbour conversation with the same words: never in our results.
    message_record o = m;
    store->append(b, other, o);
    commit(std::move(b));
    if (!backlog.fits(m.seq))
      flush();
    backlog.add(m);
    other_backlog.add(o);
    return m;
  }

  /// What a conversation's flush writes: the blocks and the mark.
  void flush() {
    storage::write_batch b;
    backlog.write(b, conv);
    other_backlog.write(b, other);
    search::put_mark(b, conv, last);
    search::put_mark(b, other, last);
    commit(std::move(b));
    mark = last;
  }

  /// Keys under `prefix` in the index column.
  std::size_t keys(const std::string& prefix) {
    std::size_t n = 0;
    db->at(0).scan_prefix(storage::column::search_terms, prefix,
                          [&](std::string_view, std::string_view) {
                            ++n;
                            return true;
                          });
    return n;
  }

  void change(const message_record& before, const message_record& after) {
    storage::write_batch b;
    store->update(b, conv, after);
    search::reindex_message(b, conv, before, after);
    commit(std::move(b));
  }

  std::vector<std::uint64_t> find(std::string q, std::uint32_t limit = 100,
                                  std::uint64_t before = 0, search_page* page_out = nullptr,
                                  search::bounds limits = {}, std::string from_id = {}) {
    search_request r;
    std::string from;
    auto e = search::parse_query(q, r, from);
    REQUIRE(e.code == errc::ok);
    r.from = from_id.empty() ? from : from_id;
    r.limit = limit;
    r.before_seq = before;
    if (flush_before_find)
      flush();
    search_page page;
    REQUIRE(search::run(db->at(0), conv, r, last, mark, &page, limits) == errc::ok);
    std::vector<std::uint64_t> seqs;
    for (const auto& m : page.messages) {
      CHECK(m.conv == conv);
      seqs.push_back(m.seq);
    }
    if (page_out)
      *page_out = page;
    return seqs;
  }
};

using seqs = std::vector<std::uint64_t>;

} // namespace

TEST_CASE("search: all words must match, newest first") {
  indexed_conversation c{GENERATE(true, false)};
  c.post("u_a", "hello world");    // 1
  c.post("u_b", "Hello there");    // 2
  c.post("u_a", "the world is big"); // 3
  c.post("u_b", "HELLO, WORLD!");  // 4
  CHECK(c.find("hello") == seqs{4, 2, 1});
  CHECK(c.find("hello world") == seqs{4, 1});
  CHECK(c.find("world hello") == seqs{4, 1});
  CHECK(c.find("nothing").empty());
  CHECK(c.find("hello nothing").empty());
}

TEST_CASE("search: prefixes, authors and dates") {
  indexed_conversation c{GENERATE(true, false)};
  c.post("u_a", "help me", 1000);     // 1
  c.post("u_b", "hello", 2000);       // 2
  c.post("u_a", "helicopter", 3000);  // 3
  c.post("u_a", "yellow hello", 4000); // 4
  c.post("u_b", "he", 5000);           // 5
  CHECK(c.find("hel*") == seqs{4, 3, 2, 1});
  CHECK(c.find("hell*") == seqs{4, 2});
  CHECK(c.find("hel* yel*") == seqs{4});
  CHECK(c.find("from:u_a") == seqs{4, 3, 1});
  CHECK(c.find("hel* from:u_b") == seqs{2});
  CHECK(c.find("hello from:u_a") == seqs{4});
  CHECK(c.find("from:u_nobody").empty());
  search_request r;
  std::string from;
  REQUIRE(search::parse_query("hel*", r, from).code == errc::ok);
  r.after_ms = 2000;
  r.before_ms = 4000;
  search_page page;
  if (c.flush_before_find)
    c.flush();
  REQUIRE(search::run(c.db->at(0), c.conv, r, c.last, c.mark, &page) == errc::ok);
  REQUIRE(page.messages.size() == 2);
  CHECK(page.messages[0].seq == 3);
  CHECK(page.messages[1].seq == 2);
}

TEST_CASE("search: edits re-index, deletes remove, reactions keep") {
  indexed_conversation c{GENERATE(true, false)};
  auto m = c.post("u_a", "apples and pears");
  c.post("u_a", "more apples");
  auto edited = m;
  edited.text = "bananas and pears";
  edited.edited_at = 2000;
  c.change(m, edited);
  CHECK(c.find("apples") == seqs{2});
  CHECK(c.find("bananas") == seqs{1});
  CHECK(c.find("pears") == seqs{1});
  auto reacted = edited;
  reacted.reactions.push_back({"👍", {"u_b"}});
  c.change(edited, reacted);
  CHECK(c.find("bananas") == seqs{1});
  auto deleted = reacted;
  deleted.text.clear();
  deleted.reactions.clear();
  deleted.deleted = true;
  c.change(reacted, deleted);
  CHECK(c.find("bananas").empty());
  CHECK(c.find("from:u_a") == seqs{2});
}

TEST_CASE("search: paging with before and next") {
  indexed_conversation c{GENERATE(true, false)};
  for (int i = 0; i < 25; ++i)
    c.post("u_a", i % 2 ? "odd word" : "even word");
  search_page page;
  auto first = c.find("word", 10, 0, &page);
  CHECK(first.front() == 25);
  CHECK(first.back() == 16);
  CHECK(page.next_before == 16);
  CHECK_FALSE(page.partial);
  auto second = c.find("word", 10, page.next_before, &page);
  CHECK(second.front() == 15);
  auto third = c.find("word", 10, page.next_before, &page);
  CHECK(third == seqs{5, 4, 3, 2, 1});
  CHECK(page.next_before == 0);
  // Exactly a page left: no next.
  CHECK(c.find("word", 5, 6, &page) == seqs{5, 4, 3, 2, 1});
  CHECK(page.next_before == 0);
}

TEST_CASE("search: the work bound answers partial, and paging continues the walk") {
  indexed_conversation c; // in blocks: the walk, not the check of unindexed messages
  for (int i = 0; i < 100; ++i)
    c.post("u_a", i == 10 ? "common rare" : "common");
  search::bounds small;
  small.max_examined = 30;
  search_page page;
  // 'rare' drives (fewer postings): found at once.
  CHECK(c.find("common rare", 10, 0, &page, small) == seqs{11});
  // A prefix walks every 'common' message: stops after 30, partial.
  auto first = c.find("com* rar*", 10, 0, &page, small);
  CHECK(first.empty());
  CHECK(page.partial);
  CHECK(page.next_before == 71);
  CHECK(c.find("com* rar*", 10, page.next_before, &page, small).empty());
  CHECK(page.next_before == 41);
  CHECK(c.find("com* rar*", 10, page.next_before, &page, small) == seqs{11});
  CHECK(page.partial); // the bound, not the end: 10 messages are left to walk
  CHECK(c.find("com* rar*", 10, page.next_before, &page, small).empty());
  CHECK_FALSE(page.partial);
  CHECK(page.next_before == 0);
}

TEST_CASE("search: only acknowledged messages, and events are never indexed") {
  indexed_conversation c{GENERATE(true, false)};
  c.post("u_a", "alpha");
  c.post("u_a", "alpha");
  search_request r;
  r.words = {"alpha"};
  search_page page;
  if (c.flush_before_find)
    c.flush();
  REQUIRE(search::run(c.db->at(0), c.conv, r, 1, std::min<std::uint64_t>(c.mark, 1), &page) == errc::ok);
  REQUIRE(page.messages.size() == 1);
  CHECK(page.messages[0].seq == 1);
  message_record ev{9, "e", "u_a", "alpha edit", 1, {}};
  ev.kind = "edit";
  search::index_backlog events;
  events.add(ev);
  CHECK(events.empty());
}

TEST_CASE("search blocks: round trip, the single-seq form, malformed values") {
  std::vector<std::uint64_t> out;
  CHECK(search::encode_block(7, {7}).empty());
  REQUIRE(search::decode_block(7, "", &out));
  CHECK(out == seqs{7});
  out.clear();
  auto v = search::encode_block(1000, {999, 700, 3});
  REQUIRE(search::decode_block(1000, v, &out));
  CHECK(out == seqs{999, 700, 3});
  out.clear();
  CHECK_FALSE(search::decode_block(5, search::encode_block(1000, {3}), &out)); // below 0
  CHECK_FALSE(search::decode_block(5, std::string(1, '\x80'), &out));          // cut varint
}

TEST_CASE("search backlog: a block spans at most max_block_span seqs") {
  search::index_backlog b;
  message_record m{10, "m", "u_a", "word", 1, {}};
  CHECK(b.fits(10));
  b.add(m);
  CHECK(b.fits(10 + search::max_block_span - 1));
  CHECK_FALSE(b.fits(10 + search::max_block_span));
  storage::write_batch w;
  b.write(w, "c");
  CHECK(w.size() == 2); // "word" and the author
  CHECK(b.empty());
  CHECK(b.fits(1'000'000));
}

TEST_CASE("search: one block per word per flush, and checked messages above the mark") {
  indexed_conversation c{false};
  for (int i = 0; i < 10; ++i)
    c.post("u_a", "lunch today");
  c.flush();
  // Two words and the author, ten messages: three keys, not thirty.
  CHECK(c.keys(search::block_prefix(c.conv, "lunch")) == 1);
  CHECK(c.keys(search::block_prefix(c.conv, "today")) == 1);
  CHECK(c.keys(search::block_prefix(c.conv, search::author_term("u_a"))) == 1);
  c.post("u_b", "lunch later"); // 11: stored, not in a block yet
  CHECK(c.find("lunch", 3) == seqs{11, 10, 9});
  CHECK(c.find("lunch later") == seqs{11});
  CHECK(c.find("from:u_b") == seqs{11});
}

TEST_CASE("search: paging below a seq inside a block, and edits among blocks") {
  indexed_conversation c{false};
  for (int i = 0; i < 30; ++i)
    c.post("u_a", i == 4 ? "first plan" : "plan");
  c.flush();
  for (int i = 0; i < 30; ++i)
    c.post("u_a", "plan");
  c.flush();
  // Below 20: the first block (seqs 1-30, key 30) holds them.
  search_page page;
  CHECK(c.find("plan", 5, 20, &page) == seqs{19, 18, 17, 16, 15});
  CHECK(page.next_before == 15);
  // An edit gives message 3 a word: found in order among the blocks' seqs.
  message_record m3;
  REQUIRE(c.store->get(c.conv, 3, &m3) == errc::ok);
  auto edited = m3;
  edited.text = "plan first";
  c.change(m3, edited);
  CHECK(c.find("first") == seqs{5, 3});
  CHECK(c.find("first plan", 1) == seqs{5});
  CHECK(c.find("fir*") == seqs{5, 3});
  // The edit taken back: 3 no longer has the word.
  c.change(edited, m3);
  CHECK(c.find("first") == seqs{5});
}

TEST_CASE("search: entries written one per message (the first format) are still read") {
  indexed_conversation c{false};
  c.post("u_a", "old news");  // 1
  c.post("u_a", "more news"); // 2
  c.backlog = {};             // as if indexed the first way:
  storage::write_batch b;
  for (std::uint64_t seq : {1, 2})
    b.put(storage::column::search_terms, search::block_prefix(c.conv, "news") + storage::key_u64(seq), {});
  search::put_mark(b, c.conv, 2);
  c.commit(std::move(b));
  c.mark = 2;
  c.post("u_a", "news now"); // 3, in a block of the new form
  c.flush();
  CHECK(c.find("news") == seqs{3, 2, 1});
}

TEST_CASE("search: retention drops the blocks of removed messages") {
  indexed_conversation c{false};
  for (int i = 0; i < 10; ++i)
    c.post("u_a", "early bird");
  c.flush(); // block key 10
  for (int i = 0; i < 10; ++i)
    c.post("u_a", "early worm");
  c.flush(); // block key 20
  std::vector<message_view> gone;
  std::set<std::string> terms;
  storage::write_batch b;
  for (std::uint64_t seq = 1; seq <= 10; ++seq) {
    message_record m;
    REQUIRE(c.store->get(c.conv, seq, &m) == errc::ok);
    c.store->erase(b, view_of(c.conv, m));
    gone.push_back(view_of(c.conv, m));
    terms.merge(search::terms_set(gone.back()));
  }
  CHECK(terms == std::set<std::string>{"early", "bird", "@u_a"});
  // Read before retention knew how far it would go (up to 15, say): only
  // the blocks below what it removed (11) go.
  std::vector<search::block_key> blocks;
  REQUIRE(search::blocks_below(c.db->at(0), c.conv, terms, 15, &blocks) == errc::ok);
  CHECK(blocks.size() == 3);
  search::unindex_expired(b, c.conv, gone, 11, blocks);
  c.commit(std::move(b));
  CHECK(c.keys(search::block_prefix(c.conv, "bird")) == 0);
  CHECK(c.keys(search::block_prefix(c.conv, "early")) == 1); // the block of 11-20 stays
  CHECK(c.find("early", 100) == seqs{20, 19, 18, 17, 16, 15, 14, 13, 12, 11});
  CHECK(c.find("bird").empty());
}
