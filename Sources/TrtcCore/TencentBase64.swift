#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Tencent's URL-safe base64 variant used by TLSSigAPIv2: standard base64 with `+`→`*`, `/`→`-`, `=`→`_`.
enum TencentBase64 {
    static func encode(_ bytes: [UInt8]) -> String {
        String(Data(bytes).base64EncodedString().map { character -> Character in
            switch character {
            case "+": "*"
            case "/": "-"
            case "=": "_"
            default: character
            }
        })
    }

    /// nil unless the text is valid (padded) base64 after undoing Tencent's replacements.
    static func decode(_ text: String) -> [UInt8]? {
        let standard = String(text.map { character -> Character in
            switch character {
            case "*": "+"
            case "-": "/"
            case "_": "="
            default: character
            }
        })
        return Data(base64Encoded: standard).map { Array($0) }
    }
}
