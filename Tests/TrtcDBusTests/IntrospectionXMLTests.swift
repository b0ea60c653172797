import Foundation
import Testing
@testable import TrtcDBus

@Suite("introspection XML reader (no libxml2)")
struct IntrospectionXMLTests {
    /// The real API document of trtcd, read from the repository.
    static var roomXMLFile: String {
        get throws {
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            return try String(contentsOf: root.appendingPathComponent("dbus/org.trtcd.Trtc1.Room.xml"), encoding: .utf8)
        }
    }

    @Test("trtcd's interface file: comment and DOCTYPE skipped, every member read")
    func roomFile() throws {
        let interfaces = try DBusInterface.parse(introspectionXML: try Self.roomXMLFile)
        #expect(interfaces.map(\.name) == ["org.trtcd.Trtc1.Room"])
        let room = try #require(interfaces.first)
        #expect(room.methods.first { $0.name == "EnterRoom" }?.inputSignature == "a{sv}")
        #expect(room.methods.first { $0.name == "StartRemoteVideo" }?.outputSignature == "u")
        #expect(room.signals.first { $0.name == "RemoteUserLeaveRoom" }?.signature == "si")
        #expect(room.properties.first { $0.name == "RemoteUsers" }?.signature == "as")
        #expect(room.properties.allSatisfy { $0.access == .read })
    }

    @Test("generated introspection (standard interfaces included) reads back to the same interfaces")
    func roundTrip() throws {
        let original = try DBusInterface.parse(introspectionXML: try Self.roomXMLFile)
        let generated = DBusInterface.introspectionXML(for: original, children: ["child"])
        let again = try DBusInterface.parse(introspectionXML: generated)
        #expect(again.map(\.name) == original.map(\.name))
        #expect(again[0].methods.map { "\($0.name)(\($0.inputSignature))\($0.outputSignature)" }
            == original[0].methods.map { "\($0.name)(\($0.inputSignature))\($0.outputSignature)" })
        #expect(again[0].signals.map { "\($0.name)(\($0.signature))" } == original[0].signals.map { "\($0.name)(\($0.signature))" })
        #expect(again[0].properties.map { "\($0.name):\($0.signature)" } == original[0].properties.map { "\($0.name):\($0.signature)" })
    }

    @Test("XML declaration, processing instructions, CDATA, single quotes, references and self-closing tags")
    func syntax() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE node [ <!ENTITY x "y > z"> ]>
            <node name='/a'>
              <?tool ignore this?>
              <interface name = 'org.example.T&#x31;'>
                <annotation name="org.example.Note" value="a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#233;"/>
                <method name="M"><arg type='s'/><arg type="u" direction="out"/></method>
                <signal name="S"><![CDATA[ <not-an-element/> ]]><arg type="b"/></signal>
              </interface>
            </node>
            """
        let interfaces = try DBusInterface.parse(introspectionXML: xml)
        #expect(interfaces.map(\.name) == ["org.example.T1"])
        #expect(interfaces[0].methods.map(\.inputSignature) == ["s"])
        #expect(interfaces[0].methods.map(\.outputSignature) == ["u"])
        #expect(interfaces[0].signals.map(\.signature) == ["b"])

        var scanner = DBusXMLScanner("<a v=\"&lt;&#233;&#x263A;\"/>")
        #expect(try scanner.next() == .start(name: "a", attributes: ["v": "<é☺"]))
        #expect(try scanner.next() == .end(name: "a"))
        #expect(try scanner.next() == nil)
    }

    @Test("malformed documents are refused with the reason", arguments: [
        ("", "no root element"),
        ("   <!-- only a comment -->  ", "no root element"),
        ("<node><unclosed></node>", "</node> closes <unclosed>"),
        ("<node>", "element <node> is not closed"),
        ("<node></other>", "</other> closes <node>"),
        ("</node>", "unexpected </node>"),
        ("<node/><node/>", "content after the root element"),
        ("junk<node/>", "text outside the root element"),
        ("<node/>junk", "text outside the root element"),
        ("<node a=b/>", "not quoted"),
        ("<node a/>", "has no value"),
        ("<node a=\"1\" a=\"2\"/>", "repeated"),
        ("<node a=\"1\"b=\"2\"/>", "expected whitespace"),
        ("<node a=\"x<y\"/>", "'<' in the value"),
        ("<node a=\"&bogus;\"/>", "unknown reference"),
        ("<node a=\"&#0;\"/>", "unknown reference"),
        ("<node a=\"&amp\"/>", "unterminated character reference"),
        ("<node a=\"open/>", "unterminated value"),
        ("<node><!-- never closed </node>", "unterminated comment"),
        ("<?xml version=\"1.0\"", "unterminated processing instruction"),
        ("<!DOCTYPE node \"x>", "unterminated declaration"),
        ("<node><!DOCTYPE x></node>", "declaration inside the document"),
        ("<1node/>", "expected element name"),
        ("<node", "unterminated tag"),
        ("<node></node", "unterminated end tag"),
        ("<node><property name=\"P\"/></node>", "property without name or type"),
        ("<node><interface name=\"a.b\"><method name=\"M\"><arg name=\"x\"/></method></interface></node>", "arg without type"),
    ])
    func malformed(xml: String, reason: String) {
        do {
            _ = try DBusInterface.parse(introspectionXML: xml)
            Issue.record("accepted \(xml.debugDescription)")
        } catch let error as DBusError {
            #expect(error.name == DBusError.invalidArgsName)
            #expect(error.message.hasPrefix("invalid introspection XML: "))
            #expect(error.message.contains(reason), "\(error.message) lacks \(reason.debugDescription)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }
}
