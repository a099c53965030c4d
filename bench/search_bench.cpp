// Search latency on one large conversation (docs/protocol.md "Search"):
// fills a fresh database with N messages through the same writers the
// conversation actor uses (conversation_store::append, and the search index's
// blocks written every 128 messages as its flush does; the last messages
// are left above the mark, checked one by one like a live conversation's),
// then times search::run for query classes:
// common, mid-frequency and rare words, two words, prefixes, author
// filters, and a worst case (two frequent words that never meet, which
// walks until the work bound). Prints p50/p99/max per class.
//
//   search_bench [--messages N] [--queries Q] [--limit L] [--settle S] [--dir PARENT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/search_backlog.hpp"
#include "actors/conversation/search_blocks.hpp"
#include "actors/conversation/search_index.hpp"
#include "actors/conversation/search_query.hpp"
#include "storage/database.hpp"

using namespace chat;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct config {
  std::size_t messages = 1'000'000;
  std::size_t queries = 200;
  std::uint32_t limit = 20;
  std::string parent = "/tmp";
  int settle_s = 30; ///< pause after the fill: RocksDB compacts the fresh files in the background
};

constexpr std::size_t vocabulary = 20000; // Zipf-distributed words
constexpr std::size_t authors = 100;
const std::vector<std::string> common{"hello", "thanks", "meeting", "today", "please",
                                      "deploy", "lunch", "review", "help", "question"};

std::string word(std::size_t rank) { return "k" + std::to_string(rank); }

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

struct figures {
  std::vector<double> ms;
  std::size_t hits = 0, partial = 0;
};

void print(const char* name, figures f) {
  std::sort(f.ms.begin(), f.ms.end());
  auto at = [&](double q) { return f.ms[std::min(f.ms.size() - 1, std::size_t(q * f.ms.size()))]; };
  std::printf("%-34s %6zu %9.3f %9.3f %9.3f %8.1f %7zu\n", name, f.ms.size(), at(0.5), at(0.99),
              f.ms.back(), double(f.hits) / f.ms.size(), f.partial);
}

} // namespace

int main(int argc, char** argv) {
  config cfg;
  for (int i = 1; i < argc; ++i) {
    auto arg = std::string_view{argv[i]};
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--messages")
      cfg.messages = std::strtoull(next(), nullptr, 10);
    else if (arg == "--queries")
      cfg.queries = std::strtoull(next(), nullptr, 10);
    else if (arg == "--limit")
      cfg.limit = static_cast<std::uint32_t>(std::strtoul(next(), nullptr, 10));
    else if (arg == "--settle")
      cfg.settle_s = std::atoi(next());
    else if (arg == "--dir")
      cfg.parent = next();
    else {
      std::fprintf(stderr, "usage: search_bench [--messages N] [--queries Q] [--limit L] [--settle S] [--dir PARENT]\n");
      return 2;
    }
  }
  auto dir = fs::path(cfg.parent) / ("search-bench-" + std::to_string(::getpid()));
  storage::options opts;
  opts.path = dir.string();
  opts.mode = storage::durability::async;
  opts.group_commit = false;
  std::string error;
  auto db = storage::database::open(opts, &error);
  if (!db) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), error.c_str());
    return 1;
  }
  const std::string conv = "c_AAAAAAAAAAAAAAAAAAAAAAAA0";
  conversation_store store{db->at(0)};

  // Fill: each message has one or two common words, six Zipf words, and
  // (alternately) "even" or "odd", which never meet.
  std::mt19937_64 rng{42};
  std::vector<double> weights(vocabulary);
  for (std::size_t r = 0; r < vocabulary; ++r)
    weights[r] = 1.0 / double(r + 1);
  std::discrete_distribution<std::size_t> zipf(weights.begin(), weights.end());
  std::uniform_int_distribution<std::size_t> pick_common(0, common.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_author(0, authors - 1);
  auto t0 = clock_type::now();
  storage::write_batch batch;
  search::index_backlog backlog;
  std::uint64_t mark = 0;
  std::size_t keys = 0;
  for (std::uint64_t seq = 1; seq <= cfg.messages; ++seq) {
    std::string text = common[pick_common(rng)];
    if (seq % 3 == 0)
      text += " " + common[pick_common(rng)];
    for (int w = 0; w < 6; ++w)
      text += " " + word(zipf(rng));
    text += seq % 2 ? " odd" : " even";
    message_record m{seq, "m" + std::to_string(seq), "u_user" + std::to_string(pick_author(rng)),
                     std::move(text), 1'790'000'000'000 + std::int64_t(seq) * 10, {}};
    store.append(batch, conv, m);
    backlog.add(m);
    if (seq % 128 == 0) {
      backlog.write(batch, conv);
      search::put_mark(batch, conv, seq);
      mark = seq;
    }
    if (seq % 1000 == 0 || seq == cfg.messages) {
      keys += batch.size();
      errc rc = errc::internal;
      db->commit(std::move(batch), [&](errc r) { rc = r; });
      if (rc != errc::ok) {
        std::fprintf(stderr, "commit failed\n");
        return 1;
      }
      batch = {};
      if (seq % 100000 == 0)
        std::fprintf(stderr, "  %llu messages, %.0f s\n", (unsigned long long)seq, ms_since(t0) / 1000);
    }
  }
  double fill_s = ms_since(t0) / 1000;
  std::printf("filled %zu messages (%zu keys written: messages + index) in %.1f s: %.0f messages/s\n",
              cfg.messages, keys, fill_s, cfg.messages / fill_s);

  std::this_thread::sleep_for(std::chrono::seconds(cfg.settle_s));

  // Queries.
  auto run = [&](const std::string& q) {
    search_request req;
    std::string from;
    if (search::parse_query(q, req, from).code != errc::ok) {
      std::fprintf(stderr, "bad query %s\n", q.c_str());
      std::exit(1);
    }
    req.from = from;
    req.limit = cfg.limit;
    search_page page;
    auto start = clock_type::now();
    if (search::run(db->at(0), conv, req, cfg.messages, mark, &page) != errc::ok) {
      std::fprintf(stderr, "search failed\n");
      std::exit(1);
    }
    return std::make_pair(ms_since(start), page);
  };
  std::uniform_int_distribution<std::size_t> mid(100, 300), rare(5000, vocabulary - 1);
  std::uniform_int_distribution<std::size_t> prefix_rank(1000, 9999);
  struct query_class {
    const char* name;
    std::function<std::string()> make;
  };
  std::vector<query_class> classes{
    {"common word (~10%)", [&] { return common[pick_common(rng)]; }},
    {"two common words", [&] { return common[pick_common(rng)] + " " + common[pick_common(rng)]; }},
    {"mid word (rank 100-300)", [&] { return word(mid(rng)); }},
    {"rare word (rank 5000+)", [&] { return word(rare(rng)); }},
    {"rare word + common word", [&] { return word(rare(rng)) + " " + common[pick_common(rng)]; }},
    {"prefix of common (he*, qu*...)", [&] { return common[pick_common(rng)].substr(0, 2) + "*"; }},
    {"prefix k1234* (<= 11 words)", [&] { return word(prefix_rank(rng)) + "*"; }},
    {"prefix k12* (> 50 words, partial)", [&] { return word(prefix_rank(rng)).substr(0, 3) + "*"; }},
    {"from:<author> (1%)", [&] { return "from:u_user" + std::to_string(pick_author(rng)); }},
    {"common word + from:<author>", [&] {
       return common[pick_common(rng)] + " from:u_user" + std::to_string(pick_author(rng));
     }},
    {"mid word + prefix", [&] { return word(mid(rng)) + " " + common[pick_common(rng)].substr(0, 3) + "*"; }},
    {"worst: even odd (never meet)", [&] { return std::string{"even odd"}; }},
  };
  std::printf("\n%zu messages, limit %u, %zu queries per class (ms)\n", cfg.messages, cfg.limit,
              cfg.queries);
  std::printf("%-34s %6s %9s %9s %9s %8s %7s\n", "query", "n", "p50", "p99", "max", "hits",
              "partial");
  for (auto& c : classes) {
    figures f;
    for (std::size_t i = 0; i < cfg.queries; ++i) {
      auto [ms, page] = run(c.make());
      f.ms.push_back(ms);
      f.hits += page.messages.size();
      f.partial += page.partial;
    }
    print(c.name, std::move(f));
  }
  db->close();
  fs::remove_all(dir);
  return 0;
}
