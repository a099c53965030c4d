#pragma once
// What TAB completes in the shell: command names, inspect kinds, option
// names, node ids (from cluster.conf), and the user, session and
// conversation ids (and usernames) that earlier answers printed, and the
// ids in lines typed in earlier runs (the history file).
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

namespace chat::ctl {

class vocabulary {
public:
  explicit vocabulary(std::vector<std::string> node_ids);

  /// Remembers the ids and usernames found anywhere in an answer.
  void harvest(const boost::json::value& doc);
  /// Remembers the ids among typed words (e.g. lines of earlier runs).
  void harvest_words(const std::vector<std::string>& words);

  /// The words that may replace `prefix`, the word being typed after the
  /// complete words `before` of the line; sorted, unique.
  std::vector<std::string> candidates(const std::vector<std::string>& before,
                                      std::string_view prefix) const;

  const std::vector<std::string>& node_ids() const { return nodes_; }

private:
  void remember(std::string_view word);

  std::vector<std::string> nodes_;
  std::set<std::string> users_, sessions_, convs_, usernames_;
};

/// The longest prefix every word shares.
std::string common_prefix(const std::vector<std::string>& words);

} // namespace chat::ctl
