// A firmware package delivered inside the DM session: the server Replaces `<x>/Update/PkgData` with the package as a
// large object (OMA-TS-DM_FUMO-V1_0 `Update/PkgData`, docs/protocol.md §5.1 and §5.3; chunks per docs/protocol.md
// §1.10), then Execs `<x>/Update`. The chunks are written to the staging file as they arrive and hashed on the way,
// so memory stays flat whatever the package size; the package is then what a FUMO Download leaves behind (state 50,
// a stored package), checked against the claims (Ext/PkgSHA256, signed manifest) when Exec Update starts.
//
// Durability: the delivery is journaled before the first byte is written. A delivery cut off by the end of the
// session or of the process is never resumed (the session that carried it is gone): its partial copy is removed and
// State says 20 Download Failed (FumoEngine.load, at the next start).
export { DeliveryError, PackageDelivery, type DeliveredPackage, type DeliveryPorts, type DeliveryRecord } from '../update/delivery.js';
