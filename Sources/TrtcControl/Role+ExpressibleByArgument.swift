import ArgumentParser
import TrtcCore

extension Role: ExpressibleByArgument {}
