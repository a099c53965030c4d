#pragma once
// A conversation's answer to search_atom: the query runs on the read pool
// (it walks index ranges) and the page comes back through the actor, which
// only ever shows what it had acknowledged when asked.
#include <cstdint>
#include <string>
#include <utility>

#include <caf/typed_response_promise.hpp>

#include "actors/conversation/search_index.hpp"
#include "actors/conversation/search_query.hpp"
#include "actors/rpc/continuations.hpp"
#include "actors/rpc/errors.hpp"
#include "actors/rpc/read_pool.hpp"

namespace chat {

template <class Self>
void search_messages(Self* self, continuations& pending, read_pool& pool, storage::store data,
                     std::string conv, std::uint64_t acknowledged, std::uint64_t marked,
                     search_request req,
                     caf::typed_response_promise<search_page> rp) {
  // Checked here too: the request may come from any node's client.
  if (req.limit < 1 || req.limit > search::max_limit
      || req.words.size() + req.prefixes.size() > search::max_query_terms) {
    rp.deliver(make_chat_error(errc::bad_request, "limit must be from 1 to 100, at most 8 words"));
    return;
  }
  struct result {
    errc rc = errc::ok;
    search_page page;
  };
  auto read = [data, conv = std::move(conv), acknowledged, marked, req = std::move(req)] {
    result r;
    r.rc = search::run(data, conv, req, acknowledged, marked, &r.page);
    return r;
  };
  auto then = [rp](result r) mutable {
    if (r.rc != errc::ok)
      rp.deliver(make_chat_error(errc::unavailable, "storage is not available"));
    else
      rp.deliver(std::move(r.page));
  };
  read_then<result>(self, pending, pool, std::move(read), std::move(then),
                    [rp](caf::error busy) mutable { rp.deliver(std::move(busy)); });
}

} // namespace chat
