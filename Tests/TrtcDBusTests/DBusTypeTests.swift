import Testing
import TrtcDBus

@Suite("Signatures")
struct DBusTypeTests {
    @Test("signatures parse and print back", arguments: ["", "y", "a{sv}", "a{s(iu)}", "(yba(nq)x)tdsogv", "aay", "a{oa{sv}}"])
    func roundTrip(signature: String) throws {
        #expect(DBusType.signature(of: try DBusType.parse(signature)) == signature)
    }

    @Test("invalid signatures are refused", arguments: ["a", "{sv}", "a{vs}", "()", "(s", "a{s}", "a{sss}", "h", "z", String(repeating: "a", count: 33) + "y"])
    func invalid(signature: String) {
        #expect(throws: DBusError.self) { try DBusType.parse(signature) }
    }

    @Test("value types and accessors")
    func accessors() {
        let params = DBusValue.variantDictionary(["roomId": .uint32(5), "bindToCaller": true, "userId": "u"])
        #expect(params.signature == "a{sv}")
        #expect(params["roomId"]?.uint32 == 5)
        #expect(params["roomId"]?.int32 == nil)
        #expect(params["bindToCaller"]?.bool == true)
        #expect(params["missing"] == nil)
        #expect(params.stringKeyedDictionary?.keys.sorted() == ["bindToCaller", "roomId", "userId"])
        #expect(DBusValue.structure([.string("a"), .int64(1)]).signature == "(sx)")
    }
}
