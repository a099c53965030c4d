#pragma once
// A user's pending invitations, keyed by invitee + invitation id so the
// invitee's user actor lists them with one prefix scan.
#include <string>
#include <vector>

#include "schema/error_code.hpp"
#include "schema/records.hpp"
#include "storage/store.hpp"
#include "storage/write_batch.hpp"

namespace chat {

class invitation_store {
public:
  explicit invitation_store(storage::store db) : db_(db) {}

  errc pending_for(const std::string& user, std::vector<invitation_record>* out) const;
  /// `user`'s pending invitations to one conversation (normally at most one).
  errc pending_to(const std::string& user, const std::string& conv,
                  std::vector<invitation_record>* out) const;
  /// The pending invitations `user` sent to one conversation: a scan of the
  /// whole column (no index by sender), for the rare account deletion.
  errc sent_by(const std::string& user, const std::string& conv,
               std::vector<invitation_record>* out) const;
  void put(storage::write_batch& b, const invitation_record& inv) const;
  void remove(storage::write_batch& b, const invitation_record& inv) const;

private:
  storage::store db_;
};

} // namespace chat
