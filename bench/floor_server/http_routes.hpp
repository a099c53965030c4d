#pragma once
// The HTTP calls chatbench makes before it opens a WebSocket: register, login,
// create a room with invitations, list and accept invitations, get a ticket.
#include "directory.hpp"
#include "net.hpp"

namespace floor_server {

response route(const request& req, directory& dir);

} // namespace floor_server
