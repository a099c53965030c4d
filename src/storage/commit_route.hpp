#pragma once
// Where commit() sends a scope's batches instead of the group writer: a
// replicated scope routes them through consensus first (the replication
// layer applies them later with database::write_now). See database::route.
#include <functional>

#include "schema/error_code.hpp"
#include "storage/write_batch.hpp"

namespace chat::storage {

/// Takes a scope's commits. Called on the committer's thread, from many
/// threads at once; `done` follows commit()'s rules (called once, cheap,
/// never blocking) and may be called on any thread.
class commit_route {
public:
  virtual ~commit_route();
  virtual void commit(write_batch batch, std::function<void(errc)> done) = 0;
};

} // namespace chat::storage
