/// The description of one interface an exported object implements: what calls it accepts and
/// which properties it serves. Methods are checked against their input signature before a call
/// reaches the owner.
public struct DBusInterface: Sendable {
    public var name: String
    public var methods: [DBusMethod]
    public var properties: [DBusProperty]
    public var signals: [DBusSignalDeclaration]

    public init(
        name: String, methods: [DBusMethod] = [], properties: [DBusProperty] = [], signals: [DBusSignalDeclaration] = []
    ) {
        self.name = name
        self.methods = methods
        self.properties = properties
        self.signals = signals
    }

    func method(named member: String) -> DBusMethod? {
        methods.first { $0.name == member }
    }

    func property(named name: String) -> DBusProperty? {
        properties.first { $0.name == name }
    }

    func validate() throws {
        try DBusNames.validateInterface(name)
        for method in methods {
            try DBusNames.validateMember(method.name)
            _ = try DBusType.parse(method.inputSignature)
            _ = try DBusType.parse(method.outputSignature)
        }
        for property in properties {
            try DBusNames.validateMember(property.name)
            _ = try DBusType.parseSingle(property.signature)
        }
        for signal in signals {
            try DBusNames.validateMember(signal.name)
            _ = try DBusType.parse(signal.signature)
        }
    }
}

/// A method: its name and the signatures of its input and output arguments.
public struct DBusMethod: Sendable {
    public var name: String
    public var inputSignature: String
    public var outputSignature: String

    public init(_ name: String, input: String = "", output: String = "") {
        self.name = name
        self.inputSignature = input
        self.outputSignature = output
    }
}

/// A property served from the exported object's property store.
public struct DBusProperty: Sendable {
    public enum Access: String, Sendable {
        case read
        case readWrite = "readwrite"
    }

    public var name: String
    public var signature: String
    public var access: Access

    public init(_ name: String, signature: String, access: Access = .read) {
        self.name = name
        self.signature = signature
        self.access = access
    }
}

/// A signal, for the generated introspection data.
public struct DBusSignalDeclaration: Sendable {
    public var name: String
    public var signature: String

    public init(_ name: String, signature: String = "") {
        self.name = name
        self.signature = signature
    }
}
