namespace Unikernel.Core.Net
{
    // What a header reader made of untrusted bytes; anything but Valid is dropped and counted by reason.
    public enum ParseStatus
    {
        Valid,
        Malformed,   // too short, a length or version field that does not fit, an unsupported kind
        BadChecksum,
        Fragment,    // IPv4: more-fragments set or a nonzero offset (we do not reassemble)
        VlanTagged,  // Ethernet: an 802.1Q/802.1ad tag (we do not do VLANs)
    }
}
