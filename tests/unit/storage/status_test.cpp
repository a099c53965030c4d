#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "storage/database.hpp"
#include "storage/status.hpp"
#include "temp_dir.hpp"

using namespace chat;
using namespace chat::storage;
using chat::storage::test::temp_dir;

TEST_CASE("storage::status keeps the code and the cause", "[storage][status]") {
  const status ok;
  CHECK(ok.ok());
  CHECK(ok.to_string() == "ok");
  const status io(status_code::io_error, "IO error: No space left on device");
  CHECK_FALSE(io.ok());
  CHECK(io.code() == status_code::io_error);
  CHECK(io.message() == "IO error: No space left on device");
  CHECK(io.to_string() == "io_error: IO error: No space left on device");
}

TEST_CASE("statuses map to client errors only at the boundary", "[storage][status]") {
  auto read_errc = [](status_code c) { return to_errc(status(c, "x")); };
  CHECK(to_errc(status{}) == errc::ok);
  CHECK(read_errc(status_code::not_found) == errc::not_found);
  for (auto c : {status_code::busy, status_code::timed_out, status_code::try_again,
                 status_code::shutdown_in_progress, status_code::closed, status_code::queue_full})
    CHECK(read_errc(c) == errc::unavailable);
  for (auto c : {status_code::io_error, status_code::corruption, status_code::invalid_argument,
                 status_code::not_supported, status_code::aborted})
    CHECK(read_errc(c) == errc::internal);
  // A failed write is internal whatever RocksDB said; only a refusal before
  // writing is unavailable.
  CHECK(commit_errc(status{}) == errc::ok);
  CHECK(commit_errc(status(status_code::busy, "x")) == errc::internal);
  CHECK(commit_errc(status(status_code::io_error, "x")) == errc::internal);
  CHECK(commit_errc(status(status_code::closed, "x")) == errc::unavailable);
  CHECK(commit_errc(status(status_code::queue_full, "x")) == errc::unavailable);
}

TEST_CASE("the status API and the errc API answer alike", "[storage][status]") {
  const bool group = GENERATE(true, false);
  temp_dir dir;
  options o;
  o.path = dir.path();
  o.group_commit = group;
  std::string error;
  auto db = database::open(o, &error);
  REQUIRE(db);

  status written(status_code::aborted, "not called");
  write_batch b;
  b.put(column::meta, "k", "v");
  db->write(std::move(b), [&](const status& s) { written = s; });
  if (group) {
    // Answered on the writer thread: a read-your-write through get waits it.
    std::string v;
    for (int i = 0; i < 1000 && db->get(column::meta, "k", &v) != errc::ok; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  std::string v;
  CHECK(db->read(column::meta, "k", &v).ok());
  CHECK(v == "v");
  const status missing = db->read(column::meta, "nope", &v);
  CHECK(missing.code() == status_code::not_found);
  CHECK(db->get(column::meta, "nope", &v) == errc::not_found);
  int seen = 0;
  CHECK(db->visit_prefix(column::meta, "k", [&](auto, auto) { return ++seen, true; }).ok());
  CHECK(seen == 1);

  db->close();
  CHECK(written.ok());
  CHECK(db->read(column::meta, "k", &v).code() == status_code::closed);
  CHECK(db->get(column::meta, "k", &v) == errc::unavailable);
  CHECK(db->visit_range(column::meta, "a", "z", false, 10, [](auto, auto) { return true; }).code()
        == status_code::closed);
  status after(status_code::aborted, "not called");
  db->write(write_batch{}, [&](const status& s) { after = s; });
  CHECK(after.code() == status_code::closed);
  errc after_errc = errc::ok;
  db->commit(write_batch{}, [&](errc e) { after_errc = e; });
  CHECK(after_errc == errc::unavailable);
}
