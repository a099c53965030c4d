#include "chatctl/execute.hpp"

#include <cstdio>

#include <boost/json.hpp>

#include "chatctl/completion.hpp"
#include "chatctl/connection.hpp"
#include "chatctl/render.hpp"
#include "chatctl/views_json.hpp"

namespace chat::ctl {

void print_error(const std::string& message) {
  std::fprintf(stderr, "chatctl: %s\n", message.c_str());
  std::fflush(stderr);
}

namespace {

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

} // namespace

outcome execute(const parsed_line& line, context& ctx) {
  switch (line.what) {
  case parsed_line::empty:
    return outcome::ok;
  case parsed_line::quit:
    return outcome::quit;
  case parsed_line::help:
    print(line.text);
    return outcome::ok;
  case parsed_line::usage_error:
    print_error(line.text);
    return outcome::usage;
  case parsed_line::request:
    break;
  }
  auto answer = ctx.conn.ask(line.command, line.args);
  if (!answer.notice.empty())
    print_error(answer.notice);
  if (!answer.ok) {
    print_error(answer.error);
    return outcome::error;
  }
  auto doc = to_json(answer.reply);
  ctx.vocab.harvest(doc);
  if (ctx.json)
    print(boost::json::serialize(doc) + "\n");
  else
    print(render(answer.reply));
  return outcome::ok;
}

} // namespace chat::ctl
