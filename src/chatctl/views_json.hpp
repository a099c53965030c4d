#pragma once
// The JSON document of each admin answer: what `chatctl --json` prints (and
// what TAB completion harvests ids from). The keys and shapes are chatctl's
// output format, checked by tests/integration/test_chatctl.py: keep them.
#include <boost/json/value.hpp>

#include "chatctl/answer.hpp"

namespace chat::ctl {

boost::json::value to_json(const admin_reply& reply);

} // namespace chat::ctl
