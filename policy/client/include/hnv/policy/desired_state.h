// The node's desired state as the controller last described it, kept up to
// date between snapshots.
//
// AgentSession delivers one snapshot (GET /v1/nodes/{name}/desired-state),
// then the node's changes in revision order. OverlayPolicy::compile reads a
// whole desired-state document, so hnv-hostd keeps the document: the
// snapshot's objects indexed by kind and key, each Change applied to them
// (Put replaces or adds the object under its key, Delete removes it), and
// toJson() renders the document again for a full recompile. Changes to the
// node's own entry are not applied: the controller ends the stream with
// "resync" when one may move the node's scope, and the session then fetches
// a fresh snapshot.
//
// Thread: one at a time (hnv-hostd: the control thread).
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "hnv/base/result.h"
#include "hnv/policy/change.h"

namespace hnv::policy {

class DesiredState {
 public:
  // Replaces everything. Refuses (and keeps the old state) when an object
  // of a known kind cannot be read to find its key; the error names it.
  Status reset(const boost::json::object& snapshot);
  // Applies one change; its revision becomes the document's.
  void apply(const Change& change);

  bool empty() const { return !loaded_; }
  Revision revision() const { return revision_; }
  // The document OverlayPolicy::compile reads.
  boost::json::object toJson() const;

 private:
  bool loaded_ = false;
  Revision revision_ = 0;
  // Node, role, scope, revision, global settings, and an empty placeholder
  // per list kind (so the rendered document keeps the snapshot's key order).
  boost::json::object header_;
  // kind -> key -> object, for every list kind.
  std::map<std::string, std::map<std::string, boost::json::object>, std::less<>> items_;
};

}  // namespace hnv::policy
