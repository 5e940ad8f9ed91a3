import Foundation

/// Reading a user's input file: only regular files, with errors that name the file and say what
/// it is instead (a directory, a FIFO, a device), and text with a UTF-8 byte-order mark removed.
public enum InputFile {
    /// The bytes of the regular file at `path` (symbolic links are followed).
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `path` when it does not exist, is
    ///   a directory, a FIFO, a socket or a device (e.g. `/dev/null`), or cannot be read.
    public static func data(atPath path: String) throws(MonteCarloError) -> Data {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let type: FileAttributeType?
        do {
            type = try FileManager.default.attributesOfItem(atPath: resolved)[.type] as? FileAttributeType
        } catch {
            throw .invalidArgument("Cannot read \(path): no such file.")
        }
        switch type {
        case .typeRegular?: break
        case .typeDirectory?: throw .invalidArgument("Cannot read \(path): it is a directory, not a file.")
        case .typeCharacterSpecial?, .typeBlockSpecial?:
            throw .invalidArgument("Cannot read \(path): it is a device, not a regular file.")
        default: throw .invalidArgument("Cannot read \(path): it is not a regular file (a FIFO, socket or other special file).")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: resolved))
        } catch {
            throw .invalidArgument("Cannot read \(path): permission denied or an I/O error.")
        }
    }

    /// The file's bytes decoded as UTF-8 (invalid sequences become U+FFFD), without a leading
    /// byte-order mark.
    /// - Throws: the errors of ``data(atPath:)``.
    public static func text(atPath path: String) throws(MonteCarloError) -> String {
        text(decoding: try data(atPath: path))
    }

    /// `data` decoded as UTF-8 without a leading byte-order mark (U+FEFF), which spreadsheet
    /// programs write at the start of "CSV UTF-8" files.
    public static func text(decoding data: Data) -> String {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        return data.starts(with: bom) ? String(decoding: data.dropFirst(3), as: UTF8.self)
            : String(decoding: data, as: UTF8.self)
    }
}
