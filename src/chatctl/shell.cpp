#include "chatctl/shell.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <histedit.h>
#include <unistd.h>

#include "chatctl/completion.hpp"
#include "chatctl/connection.hpp"
#include "chatctl/table.hpp"

namespace chat::ctl {
namespace {

constexpr int history_size = 1000;

struct shell_state {
  context* ctx = nullptr;
  std::string prompt;
  bool cancelled = false; ///< Ctrl-C ended the line being read
};

shell_state* state_of(EditLine* el) {
  void* data = nullptr;
  el_get(el, EL_CLIENTDATA, &data);
  return static_cast<shell_state*>(data);
}

char* prompt(EditLine* el) { return state_of(el)->prompt.data(); }

/// Candidates in columns under the line, as shells list them.
void list_candidates(FILE* out, const std::vector<std::string>& words) {
  std::size_t width = 0;
  for (const auto& w : words)
    width = std::max(width, text_width(w));
  width += 2;
  std::size_t columns = std::max<std::size_t>(1, 80 / width);
  std::fputc('\n', out);
  for (std::size_t i = 0; i < words.size(); ++i) {
    bool last_in_row = (i + 1) % columns == 0 || i + 1 == words.size();
    std::fputs(words[i].c_str(), out);
    if (last_in_row)
      std::fputc('\n', out);
    else
      std::fprintf(out, "%*s", static_cast<int>(width - text_width(words[i])), "");
  }
  std::fflush(out);
}

/// TAB: completes the word before the cursor as far as it is unambiguous;
/// lists the choices when it cannot go further.
unsigned char complete(EditLine* el, int) {
  auto* st = state_of(el);
  const LineInfo* li = el_line(el);
  std::string before(li->buffer, li->cursor);
  auto blank = before.find_last_of(" \t");
  std::string prefix = blank == std::string::npos ? before : before.substr(blank + 1);
  std::string head = blank == std::string::npos ? std::string() : before.substr(0, blank + 1);
  std::vector<std::string> words;
  std::string error;
  if (!split_words(head, &words, &error))
    return CC_REFRESH_BEEP;
  auto found = st->ctx->vocab.candidates(words, prefix);
  if (found.empty())
    return CC_REFRESH_BEEP;
  if (found.size() == 1) {
    std::string rest = found[0].substr(prefix.size()) + " ";
    return el_insertstr(el, rest.c_str()) == 0 ? CC_REFRESH : CC_ERROR;
  }
  std::string common = common_prefix(found);
  if (common.size() > prefix.size())
    return el_insertstr(el, common.substr(prefix.size()).c_str()) == 0 ? CC_REFRESH : CC_ERROR;
  FILE* out = stdout;
  el_get(el, EL_GETFP, 1, &out);
  list_candidates(out, found);
  return CC_REDISPLAY;
}

/// Ctrl-C at the prompt: abandons the line (a running command is not
/// interrupted: Ctrl-C then ends chatctl, as the terminal's signal).
unsigned char cancel_line(EditLine* el, int) {
  state_of(el)->cancelled = true;
  FILE* out = stdout;
  el_get(el, EL_GETFP, 1, &out);
  std::fputs("^C\r\n", out);
  return CC_NEWLINE;
}

} // namespace

std::string history_file() {
  if (const char* p = std::getenv("CHATCTL_HISTORY"))
    return p;
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.chatctl_history";
  return {};
}

int run_shell(context& ctx, const std::string& history_path) {
  shell_state st;
  st.ctx = &ctx;

  HistEvent ev;
  History* hist = history_init();
  history(hist, &ev, H_SETSIZE, history_size);
  history(hist, &ev, H_SETUNIQUE, 1);
  if (!history_path.empty())
    history(hist, &ev, H_LOAD, history_path.c_str()); // a missing file is a first run
  // Ids typed in earlier runs complete too.
  for (int rc = history(hist, &ev, H_FIRST); rc != -1; rc = history(hist, &ev, H_NEXT)) {
    std::vector<std::string> words;
    std::string ignored;
    if (ev.str && split_words(ev.str, &words, &ignored))
      ctx.vocab.harvest_words(words);
  }

  EditLine* el = el_init("chatctl", stdin, stdout, stderr);
  el_set(el, EL_CLIENTDATA, &st);
  el_set(el, EL_PROMPT, &prompt);
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_SIGNAL, 1);
  el_set(el, EL_HIST, history, hist);
  el_set(el, EL_ADDFN, "chatctl-complete", "complete a command, kind or id", &complete);
  el_set(el, EL_BIND, "^I", "chatctl-complete", nullptr);
  // While a line is edited, Ctrl-C is a key (not SIGINT) that abandons it.
  el_set(el, EL_SETTY, "-d", "-isig", nullptr);
  el_set(el, EL_ADDFN, "chatctl-cancel", "abandon the line", &cancel_line);
  el_set(el, EL_BIND, "^C", "chatctl-cancel", nullptr);
  el_source(el, nullptr); // ~/.editrc, like other libedit programs

  bool tty = isatty(STDIN_FILENO);
  bool warned = false;
  for (;;) {
    const auto& node = ctx.conn.node_id();
    st.prompt = node.empty() ? "chatctl> " : "chatctl " + node + "> ";
    int count = 0;
    st.cancelled = false;
    const char* raw = el_gets(el, &count);
    if (!raw) { // EOF
      if (tty)
        std::fputc('\n', stdout);
      break;
    }
    if (st.cancelled)
      continue;
    std::string line(raw, static_cast<std::size_t>(count));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    if (tty) { // lines piped in are a script, not history
      history(hist, &ev, H_ENTER, line.c_str());
      if (!history_path.empty() && history(hist, &ev, H_SAVE, history_path.c_str()) < 0 &&
          !warned) {
        print_error("cannot write the history file " + history_path);
        warned = true;
      }
    }
    if (execute(parse_line(line, ctx.vocab.node_ids()), ctx) == outcome::quit)
      break;
  }
  el_end(el);
  history_end(hist);
  return 0;
}

} // namespace chat::ctl
