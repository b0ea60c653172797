import ArgumentParser
import TrtcCore

extension Scene: ExpressibleByArgument {}
